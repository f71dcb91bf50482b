import { DeveloperAppDetails } from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { CurrentCredential } from './runMemory';

/** What a check of a credential read: AWSCURRENT and the app. */
export interface CheckedReads {
  current: CurrentCredential;
  app: DeveloperAppDetails;
}

/** How long a check's reads may stand in for the first reads of a rotation. */
export const CHECKED_READS_MAX_AGE_MS = 5_000;

interface Entry extends CheckedReads {
  targetHash: string;
}

/**
 * Hands the reads of a credential check over to a rotation of the same credential started
 * right after it (the scheduled pass checks a credential, finds it due and rotates it), so
 * that the rotation's first step need not read the same again. Each is taken at most once
 * and dropped after {@link CHECKED_READS_MAX_AGE_MS} (it holds key material); it is kept in
 * memory only, so a restarted process has none and reads. Changes made elsewhere meanwhile
 * are caught as they would be right after any read: the promotion moves AWSCURRENT only if
 * it did not move, and the test step reads the app afresh.
 */
export class RecentChecks {
  readonly #entries = new Map<string, Entry>();

  /** Keeps the reads of a check of `bindingId`, whose target had the given hash. */
  remember(bindingId: string, targetHash: string, reads: CheckedReads): void {
    const entry: Entry = { ...reads, targetHash };
    this.#entries.set(bindingId, entry);
    setTimeout(() => {
      if (this.#entries.get(bindingId) === entry)
        this.#entries.delete(bindingId);
    }, CHECKED_READS_MAX_AGE_MS).unref?.();
  }

  /** The reads of a recent check of the binding, if its target is still the same. */
  take(bindingId: string, targetHash: string): CheckedReads | undefined {
    const entry = this.#entries.get(bindingId);
    this.#entries.delete(bindingId);
    if (!entry || entry.targetHash !== targetHash) return undefined;
    return { current: entry.current, app: entry.app };
  }
}
