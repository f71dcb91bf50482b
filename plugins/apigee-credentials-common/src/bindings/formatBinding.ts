import { stringify as stringifyYaml } from 'yaml';
import { APIGEE_CREDENTIALS_ANNOTATION_PREFIX } from '../annotations';
import { parseBindingAnnotation } from './parseBindings';
import { CredentialBindingSpec } from './types';

/**
 * What a new binding annotation says. Durations and the window are written as the user gave
 * them (`90d`, `Mon-Fri 09:00-17:00 Europe/Berlin`).
 *
 * @public
 */
export interface BindingAnnotationFields {
  provider: string;
  developer: string;
  app: string;
  secret: { arn: string } | { name: string; accountId: string; region: string };
  maxAge?: string;
  gracePeriod?: string;
  window?: string;
}

/**
 * Writes the annotation that binds a component to a credential, in the format
 * {@link parseBindingAnnotation} reads, and checks that it reads back: a bad duration or
 * window throws here, with the parser's message, instead of making a `misconfigured`
 * component later.
 *
 * @public
 */
export function formatBindingAnnotation(
  environment: string,
  fields: BindingAnnotationFields,
): { key: string; value: string; spec: CredentialBindingSpec } {
  const document: Record<string, string> = {
    provider: fields.provider,
    developer: fields.developer,
    app: fields.app,
  };
  if ('arn' in fields.secret) {
    document.secret = fields.secret.arn;
  } else {
    document.secret = fields.secret.name;
    document.account = fields.secret.accountId;
    document.region = fields.secret.region;
  }
  if (fields.maxAge) document.maxAge = fields.maxAge;
  if (fields.gracePeriod) document.gracePeriod = fields.gracePeriod;
  if (fields.window) document.window = fields.window;
  // Every scalar is a string; the stringifier quotes those that would read as numbers.
  const value = stringifyYaml(document, { lineWidth: 0 });
  const spec = parseBindingAnnotation(environment, value);
  return {
    key: `${APIGEE_CREDENTIALS_ANNOTATION_PREFIX}${environment}`,
    value,
    spec,
  };
}
