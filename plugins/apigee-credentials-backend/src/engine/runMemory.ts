import { DeveloperAppDetails } from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { SecretCredential } from '../secrets/secretValue';
import { SecretScrubber } from './scrub';

/** A secret version's credential, with its id. */
export type CurrentCredential = SecretCredential & { versionId: string };

/** This rotation's own version (AWSPENDING), with its labels. */
export type PendingCredential = SecretCredential & { stages: string[] };

/**
 * What one uninterrupted run of a worker has read from Apigee and Secrets Manager, kept up
 * to date with the run's own writes, so that a later step of the same run does not read it
 * again (each read is a round trip). It is never stored: a worker that starts or resumes
 * after a crash begins with nothing known and reads everything, which is what makes every
 * step safe to resume. A step that fails forgets it all, since the outcome of a failed call
 * is unknown, so a rollback reads afresh.
 *
 * Changes made elsewhere are not seen between two steps of a run, as they would not be seen
 * between a read and the write after it; where they matter they are looked for: the test
 * step reads the app afresh (it is the verification), making room for a key reads the app
 * and AWSCURRENT afresh before deleting anything, the promotion moves AWSCURRENT only if it
 * is still on the version the rotation started from, and a failed write is looked into
 * before anything else is decided.
 */
export class RunMemory {
  /** AWSCURRENT as this run read it; dropped when the run promotes. */
  current?: CurrentCredential;
  /** This rotation's version; null when it is known not to exist (a rotation just begun). */
  pending?: PendingCredential | null;
  /** The app as last read. */
  app?: DeveloperAppDetails;
  /** Whether this run changed the app (keys, products, approvals) since it last read it. */
  appChanged = false;
  /** The consumer key this run imported: a key starts with no API products (KeyProvider). */
  importedKey?: string;
  /** Whether this run moved AWSCURRENT to the rotation's version. */
  promoted = false;

  constructor(options?: { pendingKnownAbsent?: boolean }) {
    if (options?.pendingKnownAbsent) this.pending = null;
  }

  /** The app as last read, unless this run changed it since. */
  get freshApp(): DeveloperAppDetails | undefined {
    return this.appChanged ? undefined : this.app;
  }

  /** Drops everything known; the next step reads afresh. */
  forget(): void {
    this.current = undefined;
    this.pending = undefined;
    this.app = undefined;
    this.appChanged = false;
    this.importedKey = undefined;
    this.promoted = false;
  }

  /** Registers the key material held with a step's scrubber. */
  addTo(scrubber: SecretScrubber): void {
    scrubber.add(this.current?.consumerKey, this.current?.consumerSecret);
    scrubber.add(this.pending?.consumerKey, this.pending?.consumerSecret);
  }
}
