/**
 * Request and result of `POST /api/apigee-credentials/v1/provisions`: create (or fill) the
 * Apigee app key and the Secrets Manager secret for a new consumer of an Apigee-auth proxy.
 * Identifiers and policy only; the generated secret never leaves the backend.
 */

/** The secret to create, or an existing one to fill. @public */
export type ProvisionSecretTarget =
  | {
      /** Name of the secret to create. */
      name: string;
      accountId: string;
      region: string;
      /** KMS key id or ARN to encrypt the secret with; the account's default key when absent. */
      kmsKeyId?: string;
      tags?: Record<string, string>;
      description?: string;
    }
  | {
      /** ARN of an existing secret to fill; its other JSON fields are preserved. */
      arn: string;
    };

/** @public */
export interface ProvisionRequest {
  /**
   * Idempotency key chosen by the caller (the scaffolder uses its task id and step).
   * Repeating a request with the same key returns the first result instead of creating twice.
   */
  requestId: string;
  /** Key provider name from the plugin configuration. */
  provider: string;
  /** Apigee developer e-mail. */
  developer: string;
  /** Apigee developer app; created when missing. */
  app: string;
  /** API products the new key is associated with. */
  apiProducts: string[];
  /** Environment name, used as the binding annotation suffix. */
  environment: string;
  secret: ProvisionSecretTarget;
  /** Entity ref of the owner of the new component, e.g. `group:default/team-orders`. */
  owner: string;
  /** Optional rotation policy written into the annotation: durations like `90d`, `24h`. */
  policy?: { maxAge?: string; gracePeriod?: string; window?: string };
  /** Describe what would be created without changing anything. */
  dryRun?: boolean;
}

/** @public */
export interface ProvisionResult {
  requestId: string;
  dryRun: boolean;
  provider: string;
  developer: string;
  app: string;
  environment: string;
  /** ARN of the secret (absent in a dry run that would create it). */
  secretArn?: string;
  /** Fingerprint of the new consumer key (absent in a dry run). */
  keyFingerprint?: string;
  /** What was (or, in a dry run, would be) created. */
  created: { app: boolean; key: boolean; secret: boolean };
  /** Catalog annotations that bind the new component to this credential. */
  annotations: Record<string, string>;
  /** Human-readable steps taken (or planned, in a dry run). */
  steps: string[];
}
