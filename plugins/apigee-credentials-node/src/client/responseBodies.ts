import type {
  CredentialSummary,
  OldKeySummary,
  ProvisionResult,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { z } from 'zod';

// zod objects drop keys they do not declare: whatever else a response carries (a field a
// buggy or compromised backend should never send, such as a consumer secret) never reaches
// the caller.

const provisionResultSchema = z.object({
  requestId: z.string(),
  dryRun: z.boolean(),
  provider: z.string(),
  developer: z.string(),
  app: z.string(),
  environment: z.string(),
  secretArn: z.string().optional(),
  keyFingerprint: z.string().optional(),
  created: z.object({
    app: z.boolean(),
    key: z.boolean(),
    secret: z.boolean(),
  }),
  annotations: z.record(z.string(), z.string()),
  steps: z.array(z.string()),
});

const rotationSummarySchema = z.object({
  id: z.string(),
  bindingId: z.string(),
  status: z.enum(['running', 'succeeded', 'failed', 'rolled-back']),
  phase: z.string(),
  trigger: z.enum(['schedule', 'manual', 'provision']),
  actor: z.string().optional(),
  error: z.string().optional(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  oldKeyFingerprint: z.string().optional(),
  newKeyFingerprint: z.string().optional(),
});

const credentialSummarySchema = z.object({
  id: z.string(),
  entityRef: z.string(),
  environment: z.string(),
  provider: z.string().optional(),
  app: z.string().optional(),
  secret: z.string().optional(),
  keyFingerprint: z.string().optional(),
  createdAt: z.string().optional(),
  ageDays: z.number().optional(),
  maxAgeDays: z.number().optional(),
  status: z.enum([
    'ok',
    'due-soon',
    'overdue',
    'rotating',
    'failed',
    'drift',
    'misconfigured',
    'unverified',
  ]),
  statusReason: z.string().optional(),
  lastRotation: rotationSummarySchema.optional(),
  nextRotationAt: z.string().optional(),
  pendingDeletions: z.array(
    z.object({ keyFingerprint: z.string(), dueAt: z.string() }),
  ),
  oldKeys: z
    .array(
      z.custom<OldKeySummary>(
        value => typeof value === 'object' && value !== null,
      ),
    )
    .default([]),
  retireOldKeys: z.enum(['traffic', 'time']).default('traffic'),
});

const credentialsPageSchema = z.object({
  items: z.array(credentialSummarySchema),
});

function unexpectedBody(what: string, error: z.ZodError): Error {
  // Name the offending fields, never their values.
  const fields = error.issues.map(issue => issue.path.join('.') || '(root)');
  return new Error(
    `The apigee-credentials backend answered ${what} with an unexpected body (fields: ${[
      ...new Set(fields),
    ].join(', ')})`,
  );
}

/** Validates a provision answer and keeps only the fields of {@link ProvisionResult}. */
export function toProvisionResult(body: unknown): ProvisionResult {
  const parsed = provisionResultSchema.safeParse(body);
  if (!parsed.success) {
    throw unexpectedBody('a provision request', parsed.error);
  }
  return parsed.data;
}

/** Validates a credentials listing and keeps only the fields of {@link CredentialSummary}. */
export function toCredentialsPage(body: unknown): {
  items: CredentialSummary[];
} {
  const parsed = credentialsPageSchema.safeParse(body);
  if (!parsed.success) {
    throw unexpectedBody('a credentials listing', parsed.error);
  }
  return parsed.data;
}
