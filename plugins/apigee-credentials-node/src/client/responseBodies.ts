import type {
  CredentialSummary,
  ProvisionResult,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';
import Ajv, { ErrorObject } from 'ajv';
import { schemas } from '../schema/openapi';

// Every answer is checked against the backend's OpenAPI document (its schemas are generated
// into src/schema/openapi by `yarn generate` in the backend plugin). `removeAdditional` drops
// whatever a schema with `additionalProperties: false` does not declare: a field that a buggy
// or compromised backend should never send, such as a consumer secret, never reaches the
// caller. Formats (date-time) are not checked: the values are passed on as strings.
const ajv = new Ajv({
  removeAdditional: true,
  allErrors: true,
  strict: false,
  validateFormats: false,
});
ajv.addSchema({ $id: 'api', components: { schemas } });

const validateProvisionResult = ajv.compile<ProvisionResult>({
  $ref: 'api#/components/schemas/ProvisionResult',
});
const validateCredentialsPage = ajv.compile<{ items: CredentialSummary[] }>({
  type: 'object',
  required: ['items'],
  additionalProperties: false,
  properties: {
    items: {
      type: 'array',
      items: { $ref: 'api#/components/schemas/CredentialSummary' },
    },
  },
});

function unexpectedBody(what: string, errors: ErrorObject[]): Error {
  // Name the offending fields, never their values.
  const fields = errors.map(
    error =>
      [...error.instancePath.split('/').slice(1), error.params.missingProperty]
        .filter(Boolean)
        .join('.') || '(root)',
  );
  return new Error(
    `The apigee-credentials backend answered ${what} with an unexpected body (fields: ${[
      ...new Set(fields),
    ].join(', ')})`,
  );
}

/** Validates a provision answer and keeps only the fields of {@link ProvisionResult}. */
export function toProvisionResult(body: unknown): ProvisionResult {
  if (!validateProvisionResult(body)) {
    throw unexpectedBody(
      'a provision request',
      validateProvisionResult.errors ?? [],
    );
  }
  return body;
}

/** Validates a credentials listing and keeps only the fields of {@link CredentialSummary}. */
export function toCredentialsPage(body: unknown): {
  items: CredentialSummary[];
} {
  if (!validateCredentialsPage(body)) {
    throw unexpectedBody(
      'a credentials listing',
      validateCredentialsPage.errors ?? [],
    );
  }
  return body;
}
