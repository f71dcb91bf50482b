import { SecretsManagerError } from './errors';
import { Filter, ListSecretsInput, Secret } from './types';

export const FILTER_KEYS = [
  'name',
  'description',
  'tag-key',
  'tag-value',
  'all',
] as const;

/**
 * ListSecrets filters (AWS API reference, Filter): `name`, `tag-key`, `tag-value` are
 * case-sensitive prefix matches, `description` a case-insensitive one, `all` matches words
 * of any of them case-insensitively. A value starting with `!` negates. Values of one filter
 * are OR-ed, filters are AND-ed.
 */
export function matchesFilters(
  secret: Secret,
  filters: Filter[] | undefined,
): boolean {
  return (filters ?? []).every(filter => matchesFilter(secret, filter));
}

function matchesFilter(secret: Secret, filter: Filter): boolean {
  const positives = filter.Values.filter(v => !v.startsWith('!'));
  const negatives = filter.Values.filter(v => v.startsWith('!')).map(v =>
    v.slice(1),
  );
  if (negatives.some(value => matchesValue(secret, filter.Key, value)))
    return false;
  if (positives.length === 0) return true;
  return positives.some(value => matchesValue(secret, filter.Key, value));
}

function matchesValue(secret: Secret, key: string, value: string): boolean {
  switch (key) {
    case 'name':
      return secret.name.startsWith(value);
    case 'description':
      return (secret.description ?? '')
        .toLowerCase()
        .startsWith(value.toLowerCase());
    case 'tag-key':
      return secret.tags.some(t => t.Key.startsWith(value));
    case 'tag-value':
      return secret.tags.some(t => t.Value.startsWith(value));
    case 'all':
      return matchesAll(secret, value);
    default:
      return false;
  }
}

/** `all`: every word of the value must start one of the words of name, description or tags. */
function matchesAll(secret: Secret, value: string): boolean {
  const haystack = [
    secret.name,
    secret.description ?? '',
    ...secret.tags.flatMap(t => [t.Key, t.Value]),
  ].flatMap(words);
  return words(value).every(word =>
    haystack.some(candidate => candidate.startsWith(word)),
  );
}

/** Splits at case changes, letter/digit changes and punctuation; lower-cases. */
function words(text: string): string[] {
  return (text.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g) ?? []).map(w =>
    w.toLowerCase(),
  );
}

export function compareForListing(
  sortBy: ListSecretsInput['SortBy'],
): (a: Secret, b: Secret) => number {
  const time = (d: Date | undefined) => d?.getTime() ?? 0;
  switch (sortBy) {
    case 'name':
      return (a, b) => a.name.localeCompare(b.name);
    case 'last-changed-date':
      return (a, b) => time(a.lastChangedDate) - time(b.lastChangedDate);
    case 'last-accessed-date':
      return (a, b) => time(a.lastAccessedDate) - time(b.lastAccessedDate);
    default:
      return (a, b) =>
        time(a.createdDate) - time(b.createdDate) ||
        a.name.localeCompare(b.name);
  }
}

/** Opaque NextToken: the offset of the next page, bound to the listing it belongs to. */
export function encodeNextToken(scope: string, offset: number): string {
  return Buffer.from(JSON.stringify({ s: scope, o: offset })).toString(
    'base64url',
  );
}

export function decodeNextToken(
  scope: string,
  token: string | undefined,
): number {
  if (token === undefined) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (parsed?.s === scope && Number.isInteger(parsed.o) && parsed.o >= 0)
      return parsed.o;
  } catch {
    // fall through to the error below
  }
  throw new SecretsManagerError(
    'InvalidNextTokenException',
    'The NextToken value is invalid.',
  );
}

/** One page of `items` and the token for the next one. */
export function paginate<T>(
  items: T[],
  scope: string,
  maxResults: number | undefined,
  nextToken: string | undefined,
  defaultPageSize: number,
): { page: T[]; nextToken?: string } {
  const offset = decodeNextToken(scope, nextToken);
  const size = maxResults ?? defaultPageSize;
  const page = items.slice(offset, offset + size);
  const next =
    offset + size < items.length
      ? encodeNextToken(scope, offset + size)
      : undefined;
  return next ? { page, nextToken: next } : { page };
}
