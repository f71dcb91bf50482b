import { DeveloperAppDetails } from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { StoredBinding } from '../database/RotationStore';
import { CurrentCredential } from './runMemory';

/** What a check of a credential read: AWSCURRENT and the app. */
export interface CheckedReads {
  current: CurrentCredential;
  app: DeveloperAppDetails;
}

/** How long a check's reads may stand in for the first reads of a rotation. */
export const CHECKED_READS_MAX_AGE_MS = 5_000;

interface Entry extends CheckedReads {
  /** The binding as the check left it (read, then updated with its findings). */
  stored: StoredBinding;
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

  /** Keeps the reads of a check of a binding, and the binding as the check left it. */
  remember(stored: StoredBinding, reads: CheckedReads): void {
    const bindingId = stored.binding.id;
    const entry: Entry = { ...reads, stored };
    this.#entries.set(bindingId, entry);
    setTimeout(() => {
      if (this.#entries.get(bindingId) === entry)
        this.#entries.delete(bindingId);
    }, CHECKED_READS_MAX_AGE_MS).unref?.();
  }

  /**
   * The recent check of a binding, if any: the binding as it left it and what it read. The
   * caller compares the binding's target with its own fresh read, unless it rotates right
   * after the check (the scheduled pass), where that read would be the same.
   */
  take(
    bindingId: string,
  ): { stored: StoredBinding; reads: CheckedReads } | undefined {
    const entry = this.#entries.get(bindingId);
    this.#entries.delete(bindingId);
    if (!entry) return undefined;
    return {
      stored: entry.stored,
      reads: { current: entry.current, app: entry.app },
    };
  }
}
