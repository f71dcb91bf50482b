import type { Entity } from '@backstage/catalog-model';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { APIGEE_CREDENTIALS_ANNOTATION_PREFIX } from '../annotations';
import { parseDurationMs } from './durations';
import { parseRotationWindow } from './window';
import {
  BindingValidationError,
  CredentialBindingSpec,
  ProbeKeyPlacement,
  SecretLocator,
} from './types';

const ENVIRONMENT = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
// Names end up in Apigee management API paths: no slashes, dots-only segments,
// percent signs or query characters can get through.
const APP_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,254}$/;
const DEVELOPER =
  /^[A-Za-z0-9_][A-Za-z0-9._+-]*(@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)?$/;
const PROVIDER = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:([a-z]{2}(-[a-z]+)+-\d):(\d{12}):secret:([A-Za-z0-9/_+=.@-]{1,512})$/;
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const JSON_FIELD = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
const HEADER_NAME = /^[A-Za-z0-9-]{1,64}$/;

const text = (what: string, pattern: RegExp, hint: string) =>
  z
    .string({ error: `${what} is required` })
    .trim()
    .regex(pattern, `${what} ${hint}`);

const annotationSchema = z
  .object({
    provider: text(
      'provider',
      PROVIDER,
      'must be a provider name from the plugin configuration',
    ),
    developer: text(
      'developer',
      DEVELOPER,
      'must be an e-mail address or a developer id',
    ),
    app: text(
      'app',
      APP_NAME,
      'may only contain letters, digits, ".", "_" and "-"',
    ),
    secret: z
      .string({
        error: 'secret is required (an ARN, or a name with account and region)',
      })
      .trim()
      .min(1),
    account: text(
      'account',
      ACCOUNT_ID,
      'must be a 12-digit AWS account id',
    ).optional(),
    region: text(
      'region',
      REGION,
      'must be an AWS region such as eu-west-1',
    ).optional(),
    keyField: text(
      'keyField',
      JSON_FIELD,
      'must be a JSON field name',
    ).optional(),
    secretField: text(
      'secretField',
      JSON_FIELD,
      'must be a JSON field name',
    ).optional(),
    maxAge: z.string().optional(),
    gracePeriod: z.string().optional(),
    retireOldKeys: z
      .enum(['traffic', 'time'], {
        error: 'retireOldKeys must be "traffic" or "time"',
      })
      .optional(),
    window: z.string().optional(),
    probe: z
      .object({
        host: text(
          'probe.host',
          PROVIDER,
          'must be a proxy host name from the plugin configuration',
        ),
        path: z
          .string({ error: 'probe.path is required' })
          .regex(
            /^\/[A-Za-z0-9/_.~-]*$/,
            'probe.path must be a plain path starting with "/"',
          )
          .refine(
            p => !p.split('/').includes('..'),
            'probe.path must not contain ".."',
          ),
        keyIn: z.string().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

function parseKeyPlacement(value: string | undefined): ProbeKeyPlacement {
  const [type, name, ...rest] = (value ?? 'header x-apikey')
    .trim()
    .split(/\s+/);
  if (type === 'basic' && name === undefined) return { type: 'basic' };
  if ((type === 'header' || type === 'query') && name && rest.length === 0) {
    if (!HEADER_NAME.test(name)) {
      throw new Error(`probe.keyIn: "${name}" is not a valid ${type} name`);
    }
    return { type, name };
  }
  throw new Error(
    'probe.keyIn must be "header <name>", "query <name>" or "basic"',
  );
}

function duration(field: string, value: string | undefined) {
  if (value === undefined) return undefined;
  const ms = parseDurationMs(value);
  if (ms === undefined) {
    throw new Error(
      `${field} "${value}" is not a duration (use e.g. 90d, 36h or P90D)`,
    );
  }
  return ms;
}

function secretLocator(
  secret: string,
  account: string | undefined,
  region: string | undefined,
): SecretLocator {
  const arn = SECRET_ARN.exec(secret);
  if (arn) {
    const [, arnRegion, , arnAccount] = arn;
    if (
      (account && account !== arnAccount) ||
      (region && region !== arnRegion)
    ) {
      throw new Error(
        'account and region must match the secret ARN (or be left out)',
      );
    }
    return { arn: secret, accountId: arnAccount, region: arnRegion };
  }
  if (secret.startsWith('arn:')) {
    throw new Error(
      'secret is not a valid Secrets Manager ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)',
    );
  }
  if (!SECRET_NAME.test(secret)) {
    throw new Error('secret name may only contain letters, digits and /_+=.@-');
  }
  if (!account || !region) {
    throw new Error('a secret given by name needs account and region');
  }
  return { name: secret, accountId: account, region };
}

/**
 * Parses one binding annotation value (a YAML mapping) for the given environment.
 * Throws an Error whose message says what is wrong, field by field.
 *
 * @public
 */
export function parseBindingAnnotation(
  environment: string,
  value: string,
): CredentialBindingSpec {
  if (!ENVIRONMENT.test(environment)) {
    throw new Error(
      `environment "${environment}" must be lowercase letters, digits and "-" (max 63)`,
    );
  }
  let document: unknown;
  try {
    // The failsafe schema keeps every scalar a string: account ids keep their leading zeros.
    document = parseYaml(value, { schema: 'failsafe', maxAliasCount: 0 });
  } catch (error) {
    throw new Error(
      `value is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  if (!document || typeof document !== 'object' || Array.isArray(document)) {
    throw new Error(
      'value must be a YAML mapping with provider, developer, app and secret',
    );
  }
  const parsed = annotationSchema.safeParse(document);
  if (!parsed.success) {
    throw new Error(
      parsed.error.issues
        .map(issue =>
          issue.code === 'unrecognized_keys'
            ? `unknown field(s): ${issue.keys.join(', ')}`
            : issue.message,
        )
        .join('; '),
    );
  }
  const fields = parsed.data;
  const spec: CredentialBindingSpec = {
    environment,
    provider: fields.provider,
    developer: fields.developer,
    app: fields.app,
    secret: secretLocator(fields.secret, fields.account, fields.region),
    fields: {
      key: fields.keyField ?? 'consumerKey',
      secret: fields.secretField ?? 'consumerSecret',
    },
  };
  if (spec.fields.key === spec.fields.secret) {
    throw new Error('keyField and secretField must differ');
  }
  const maxAgeMs = duration('maxAge', fields.maxAge);
  const gracePeriodMs = duration('gracePeriod', fields.gracePeriod);
  if (maxAgeMs !== undefined) spec.maxAgeMs = maxAgeMs;
  if (gracePeriodMs !== undefined) spec.gracePeriodMs = gracePeriodMs;
  if (fields.retireOldKeys) spec.retireOldKeys = fields.retireOldKeys;
  if (fields.window !== undefined) {
    try {
      spec.window = parseRotationWindow(fields.window);
    } catch (error) {
      throw new Error(`window: ${(error as Error).message}`);
    }
  }
  if (fields.probe) {
    spec.probe = {
      host: fields.probe.host,
      path: fields.probe.path,
      keyIn: parseKeyPlacement(fields.probe.keyIn),
    };
  }
  return spec;
}

/**
 * Reads every binding annotation of an entity. Bad annotations never throw: each becomes
 * a validation error that the API reports as a `misconfigured` binding.
 *
 * @public
 */
export function parseCredentialBindings(entity: Entity): {
  bindings: CredentialBindingSpec[];
  errors: BindingValidationError[];
} {
  const bindings: CredentialBindingSpec[] = [];
  const errors: BindingValidationError[] = [];
  for (const [annotation, value] of Object.entries(
    entity.metadata.annotations ?? {},
  )) {
    if (!annotation.startsWith(APIGEE_CREDENTIALS_ANNOTATION_PREFIX)) continue;
    const environment = annotation.slice(
      APIGEE_CREDENTIALS_ANNOTATION_PREFIX.length,
    );
    try {
      bindings.push(parseBindingAnnotation(environment, value));
    } catch (error) {
      errors.push({
        environment,
        annotation,
        message: (error as Error).message,
      });
    }
  }
  return { bindings, errors };
}
