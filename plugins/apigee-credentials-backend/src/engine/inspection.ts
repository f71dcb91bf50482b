import {
  ApiKeyDetails,
  assessKeyUsability,
  fingerprint,
  isKeyProviderError,
} from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { StoredBinding } from '../database/RotationStore';
import {
  DEFAULT_CREDENTIAL_FIELDS,
  MalformedSecretError,
  readSecretCredential,
} from '../secrets/secretValue';
import { EngineDependencies, findKeyByFingerprint } from './context';
import { CheckedReads } from './recentChecks';
import { CurrentCredential } from './runMemory';
import { DriftProblem, RotationRecord } from './types';

/** What a live look at a credential found. */
export interface Inspection {
  problems: DriftProblem[];
  /** Fingerprint of the key in AWSCURRENT, when it could be read. */
  currentKeyFingerprint?: string;
  /** That key as the app reports it, when it is there. */
  currentKey?: ApiKeyDetails;
  /** What was read, when both reads succeeded (key material: keep it in memory only). */
  reads?: CheckedReads;
}

/**
 * Reads AWSCURRENT and the Apigee app and reports drift (ref D "Usable key"): the secret is
 * missing or malformed, the key is missing from the app, revoked, expired or without approved
 * products, the app or developer is disabled, or the key was replaced outside the plugin.
 * Reads only: it never "repairs" anything.
 */
export async function inspectCredential(
  deps: EngineDependencies,
  stored: StoredBinding,
  /** The binding's unfinished rotation, if any (may still be being looked up). */
  activeRotation:
    | RotationRecord
    | undefined
    | Promise<RotationRecord | undefined>,
): Promise<Inspection> {
  const { binding } = stored;
  const fields = {
    key: binding.fields?.key ?? DEFAULT_CREDENTIAL_FIELDS.key,
    secret: binding.fields?.secret ?? DEFAULT_CREDENTIAL_FIELDS.secret,
  };
  // Both reads go out together (they do not depend on each other); what the secret holds
  // decides first, as it did when they ran one after the other.
  const appRead = deps.retry.run('read the Apigee app', () =>
    deps.providerFor(binding.provider).getApp({
      developer: binding.developer,
      app: binding.app,
    }),
  );
  appRead.catch(() => undefined); // awaited below unless the secret already decided
  let current: CurrentCredential;
  try {
    const version = await deps.retry.run('read AWSCURRENT', () =>
      deps.secrets.getVersion(binding.secret, { stage: 'AWSCURRENT' }),
    );
    current = {
      ...readSecretCredential(version?.secretString, fields),
      versionId: version!.versionId,
    };
  } catch (error) {
    if ((error as Error)?.name === 'ResourceNotFoundException') {
      return {
        problems: [
          {
            code: 'secret-missing',
            message: 'The secret or its AWSCURRENT version does not exist',
          },
        ],
      };
    }
    if (error instanceof MalformedSecretError) {
      return {
        problems: [{ code: 'secret-malformed', message: error.message }],
      };
    }
    throw error;
  }
  const currentKeyFingerprint = fingerprint(current.consumerKey);

  let app;
  try {
    app = await appRead;
  } catch (error) {
    if (isKeyProviderError(error) && error.kind === 'not-found') {
      return {
        currentKeyFingerprint,
        problems: [
          {
            code: 'app-missing',
            message: `App ${binding.app} of developer ${binding.developer} was not found: ${error.message}`,
          },
        ],
      };
    }
    throw error;
  }
  const currentKey = findKeyByFingerprint(app, currentKeyFingerprint);
  const problems: DriftProblem[] = assessKeyUsability(app, currentKey, {
    now: deps.clock.now(),
  }).problems.map(p => ({
    code: p.code,
    message:
      p.code === 'key-missing'
        ? `The key ${currentKeyFingerprint} in AWSCURRENT is not in app ${binding.app} of ${binding.developer}`
        : p.message,
  }));

  const known = stored.currentKeyFingerprint;
  const active = await activeRotation;
  if (
    known &&
    known !== currentKeyFingerprint &&
    currentKeyFingerprint !== active?.newKeyFingerprint
  ) {
    problems.push({
      code: 'replaced-outside-plugin',
      message: `AWSCURRENT holds key ${currentKeyFingerprint}, not ${known} as last recorded: it was replaced outside the plugin`,
    });
  }
  return {
    problems,
    currentKeyFingerprint,
    currentKey,
    reads: { current, app },
  };
}
