import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';

/**
 * The entity refs an ownership mark names. A mark is one or more entity refs separated by
 * spaces (AWS tag values allow no commas); a bare name means a group in the default
 * namespace, so `team-orders` and `group:default/team-orders` are the same mark.
 */
export function refsOfMark(mark: string | undefined): string[] {
  if (!mark) return [];
  const refs: string[] = [];
  for (const part of mark.split(/\s+/)) {
    if (!part) continue;
    try {
      refs.push(
        stringifyEntityRef(
          parseEntityRef(part, {
            defaultKind: 'group',
            defaultNamespace: 'default',
          }),
        ).toLocaleLowerCase('en-US'),
      );
    } catch {
      // Not an entity ref: it names nobody.
    }
  }
  return refs;
}

/** Whether the mark names one of `candidates` (entity refs, compared case-insensitively). */
export function markNamesAny(
  mark: string | undefined,
  candidates: Array<string | undefined>,
): boolean {
  const named = new Set(refsOfMark(mark));
  return candidates.some(
    ref => ref !== undefined && named.has(ref.toLocaleLowerCase('en-US')),
  );
}
