import { InputError } from '@backstage/errors';
import { SecretReference } from '../engine/types';

/** A secret located precisely enough to build a client and call Secrets Manager. */
export interface ResolvedSecret {
  /** What Secrets Manager calls take as `SecretId`: the ARN, or the name. */
  secretId: string;
  accountId: string;
  region: string;
  /** For messages: the ARN or `name (account/region)`. */
  label: string;
}

const SECRET_ARN =
  /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):secretsmanager:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):secret:(.+)$/;
const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** Parses `arn:aws:secretsmanager:{region}:{account}:secret:{name}`. */
export function parseSecretArn(arn: string): {
  partition: string;
  region: string;
  accountId: string;
  resource: string;
} {
  const match = SECRET_ARN.exec(arn);
  if (!match) {
    throw new InputError(
      `Not a Secrets Manager secret ARN: ${JSON.stringify(
        arn,
      )}; expected arn:aws:secretsmanager:<region>:<account>:secret:<name>`,
    );
  }
  return {
    partition: match[1],
    region: match[2],
    accountId: match[3],
    resource: match[4],
  };
}

/** Turns a binding's secret reference into an id, account and Region (Region from the ARN). */
export function resolveSecretReference(ref: SecretReference): ResolvedSecret {
  if ('arn' in ref) {
    const { region, accountId } = parseSecretArn(ref.arn);
    return { secretId: ref.arn, accountId, region, label: ref.arn };
  }
  if (!ref.name) {
    throw new InputError('A secret reference needs an arn or a name');
  }
  if (!ACCOUNT_ID.test(ref.accountId ?? '')) {
    throw new InputError(
      `Secret ${ref.name}: accountId must be a 12-digit AWS account id`,
    );
  }
  if (!REGION.test(ref.region ?? '')) {
    throw new InputError(
      `Secret ${ref.name}: region must be an AWS Region such as eu-west-1`,
    );
  }
  return {
    secretId: ref.name,
    accountId: ref.accountId,
    region: ref.region,
    label: `${ref.name} (account ${ref.accountId}, ${ref.region})`,
  };
}
