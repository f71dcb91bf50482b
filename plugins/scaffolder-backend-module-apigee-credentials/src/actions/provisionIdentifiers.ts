import {
  APIGEE_CREDENTIALS_ANNOTATION_PREFIX,
  parseBindingAnnotation,
  ProvisionRequest,
  ProvisionResult,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';

/**
 * What the action keeps of a provision: identifiers only. This is the value stored in the
 * scaffolder checkpoint and the source of every output and log line, so nothing else from
 * the backend's answer (free text, fields it should never send) can reach task state.
 */
export type ProvisionedIdentifiers = {
  requestId: string;
  dryRun: boolean;
  environment: string;
  app: string;
  secretArn?: string;
  keyFingerprint?: string;
  created: { app: boolean; key: boolean; secret: boolean };
  annotations: { [key: string]: string };
};

// `sha256:` and 12 hex digits, as written by the -node `fingerprint` helper; a little room
// for other hash names or lengths, but never room for a key.
const FINGERPRINT = /^[a-z0-9]{2,16}:[0-9a-f]{8,64}$/;
const SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z]{2}(-[a-z]+)+-\d:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/;

function backendBug(request: ProvisionRequest, problem: string): Error {
  return new Error(
    `The apigee-credentials backend answered request ${request.requestId} (environment ` +
      `"${request.environment}") with ${problem}; nothing was written to the task. ` +
      'Report this to the team running the backend.',
  );
}

/**
 * Copies the identifiers out of a {@link ProvisionResult} and checks them, so that the
 * catalog gets a binding the plugin can read and the task keeps nothing but identifiers.
 */
export function toProvisionedIdentifiers(
  request: ProvisionRequest,
  result: ProvisionResult,
): ProvisionedIdentifiers {
  if (result.requestId !== request.requestId) {
    throw backendBug(
      request,
      `the result of another request (${result.requestId})`,
    );
  }
  if (result.dryRun !== Boolean(request.dryRun)) {
    throw backendBug(
      request,
      request.dryRun ? 'a real provision for a dry run' : 'a dry run',
    );
  }
  if (
    result.environment !== request.environment ||
    result.app !== request.app
  ) {
    throw backendBug(request, 'a result for another environment or app');
  }
  if (
    result.keyFingerprint !== undefined &&
    !FINGERPRINT.test(result.keyFingerprint)
  ) {
    throw backendBug(request, 'a key fingerprint that does not look like one');
  }
  if (result.secretArn !== undefined && !SECRET_ARN.test(result.secretArn)) {
    throw backendBug(request, 'a secret ARN that does not look like one');
  }
  if (!result.dryRun && (!result.keyFingerprint || !result.secretArn)) {
    throw backendBug(request, 'no key fingerprint or secret ARN');
  }

  const bindingKey = `${APIGEE_CREDENTIALS_ANNOTATION_PREFIX}${request.environment}`;
  const annotations: { [key: string]: string } = {};
  for (const [key, value] of Object.entries(result.annotations)) {
    // The component gets the binding of this environment and nothing else.
    if (key !== bindingKey) continue;
    try {
      // The binding syntax is strict: a field it does not know (a key, a secret) fails here.
      parseBindingAnnotation(request.environment, value);
    } catch {
      throw backendBug(
        request,
        `a binding annotation ${key} that the plugin cannot read`,
      );
    }
    annotations[key] = value;
  }
  if (!result.dryRun && !annotations[bindingKey]) {
    throw backendBug(request, `no binding annotation ${bindingKey}`);
  }

  return {
    requestId: result.requestId,
    dryRun: result.dryRun,
    environment: result.environment,
    app: result.app,
    ...(result.secretArn !== undefined && { secretArn: result.secretArn }),
    ...(result.keyFingerprint !== undefined && {
      keyFingerprint: result.keyFingerprint,
    }),
    created: {
      app: result.created.app,
      key: result.created.key,
      secret: result.created.secret,
    },
    annotations,
  };
}
