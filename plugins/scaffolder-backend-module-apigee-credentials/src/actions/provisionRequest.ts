import type {
  ProvisionRequest,
  ProvisionSecretTarget,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';

/** The action's input, as the scaffolder hands it over after JSON-schema validation. */
export type ProvisionActionInput = {
  provider: string;
  developer: string;
  app: string;
  apiProducts: string[];
  environment: string;
  secret:
    | {
        name: string;
        accountId: string;
        region: string;
        kmsKeyId?: string;
        tags?: Record<string, string>;
        description?: string;
      }
    | { arn: string };
  owner: string;
  policy?: { maxAge?: string; gracePeriod?: string; window?: string };
};

// Templates often pass an optional parameter the user left empty as "".
function present(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function secretTarget(
  secret: ProvisionActionInput['secret'],
): ProvisionSecretTarget {
  if ('arn' in secret) {
    return { arn: secret.arn.trim() };
  }
  const kmsKeyId = present(secret.kmsKeyId);
  const description = present(secret.description);
  const tags =
    secret.tags && Object.keys(secret.tags).length ? secret.tags : undefined;
  return {
    name: secret.name.trim(),
    accountId: secret.accountId.trim(),
    region: secret.region.trim(),
    ...(kmsKeyId && { kmsKeyId }),
    ...(tags && { tags }),
    ...(description && { description }),
  };
}

function policyOf(
  policy: ProvisionActionInput['policy'],
): ProvisionRequest['policy'] | undefined {
  const maxAge = present(policy?.maxAge);
  const gracePeriod = present(policy?.gracePeriod);
  const window = present(policy?.window);
  if (!maxAge && !gracePeriod && !window) return undefined;
  return {
    ...(maxAge && { maxAge }),
    ...(gracePeriod && { gracePeriod }),
    ...(window && { window }),
  };
}

/**
 * The idempotency key of one provision: the same task, step, environment and app always
 * give the same id, so a retried task (or a repeated call after a lost answer) asks the
 * backend for the same provision instead of creating a second key and secret.
 */
export function provisionRequestId(options: {
  taskId: string;
  stepId?: string;
  environment: string;
  app: string;
}): string {
  return [
    'scaffolder',
    options.taskId,
    options.stepId ?? 'step',
    options.environment,
    options.app,
  ].join(':');
}

/** Builds the backend request from the action input. */
export function toProvisionRequest(
  input: ProvisionActionInput,
  options: { taskId: string; stepId?: string; dryRun: boolean },
): ProvisionRequest {
  const policy = policyOf(input.policy);
  const app = input.app.trim();
  const environment = input.environment.trim();
  return {
    requestId: provisionRequestId({ ...options, environment, app }),
    provider: input.provider.trim(),
    developer: input.developer.trim(),
    app,
    apiProducts: [...new Set(input.apiProducts.map(p => p.trim()))],
    environment,
    secret: secretTarget(input.secret),
    owner: input.owner.trim(),
    ...(policy && { policy }),
    ...(options.dryRun && { dryRun: true }),
  };
}
