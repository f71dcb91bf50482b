import {
  DEFAULT_CREDENTIAL_FIELDS,
  readSecretCredential,
} from '../../secrets/secretValue';
import { fingerprint } from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { EngineDependencies } from '../context';
import { SecretScrubber } from '../scrub';
import { CredentialBinding } from '../types';

/**
 * The consumer key in AWSCURRENT and its fingerprint. An old key found there again (pasted
 * back by hand) must never be revoked or deleted: consumers read it.
 */
export async function readCurrentCredential(
  deps: EngineDependencies,
  binding: CredentialBinding,
  scrubber: SecretScrubber,
): Promise<{ consumerKey: string; keyFingerprint: string }> {
  const fields = {
    key: binding.fields?.key ?? DEFAULT_CREDENTIAL_FIELDS.key,
    secret: binding.fields?.secret ?? DEFAULT_CREDENTIAL_FIELDS.secret,
  };
  const current = await deps.retry.run('read AWSCURRENT', () =>
    deps.secrets.getVersion(binding.secret, { stage: 'AWSCURRENT' }),
  );
  const credential = readSecretCredential(current?.secretString, fields);
  scrubber.add(credential.consumerKey, credential.consumerSecret);
  return {
    consumerKey: credential.consumerKey,
    keyFingerprint: fingerprint(credential.consumerKey),
  };
}
