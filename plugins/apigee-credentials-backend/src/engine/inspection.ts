import {
  ApiKeyDetails,
  assessKeyUsability,
  DeveloperAppDetails,
  fingerprint,
  isKeyProviderError,
} from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { OwnershipState, StoredBinding } from '../database/RotationStore';
import { verifyOwnership } from '../ownership/verifyOwnership';
import {
  DEFAULT_CREDENTIAL_FIELDS,
  MalformedSecretError,
  readSecretCredential,
} from '../secrets/secretValue';
import { EngineDependencies, findKeyByFingerprint } from './context';
import { CurrentCredential } from './runMemory';
import { DriftProblem, RotationRecord } from './types';

/** What a live look at a credential found. */
export interface Inspection {
  ownership: OwnershipState;
  /** Empty when the credential is usable, and when its ownership is not proven. */
  problems: DriftProblem[];
  /** Fingerprint of the key in AWSCURRENT, when known. */
  currentKeyFingerprint?: string;
  /** That key as the app reports it, when it is there. */
  currentKey?: ApiKeyDetails;
  /** The version in AWSCURRENT whose key {@link currentKeyFingerprint} is. */
  currentVersionId?: string;
}

/**
 * Checks a credential live, reading only: the secret's metadata (DescribeSecret: tags and
 * which version is AWSCURRENT) and the Apigee app, side by side.
 *
 * 1. Ownership: the secret's tag and the app's attribute must name the entity or its owner
 *    (or an admin approved the binding). Otherwise nothing else is read or reported.
 * 2. The secret's value is read only when AWSCURRENT is on another version than the one
 *    recorded (changed outside the plugin, or never seen). A fleet with no drift reads no
 *    secret value; a rotation reads it itself.
 * 3. Drift: the secret is missing or malformed, the key is missing from the app, revoked,
 *    expired or without approved products, the app or developer is disabled, or the key was
 *    replaced outside the plugin. Nothing is repaired.
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
  const appRead = readApp(deps, stored);
  appRead.catch(() => undefined); // awaited below
  // A first check needs the value (the key is not known yet): read beside the metadata, and
  // dropped unless the ownership holds.
  const valueRead = stored.ownership ? undefined : readCurrent(deps, stored);
  valueRead?.catch(() => undefined); // awaited below
  const described = await deps.retry.run('describe the secret', () =>
    deps.secrets.describeSecret(binding.secret),
  );
  const app = await appRead;
  const ownership = verifyOwnership(
    binding,
    {
      secretTags: described?.tags ?? {},
      appAttributes: app === 'missing' ? undefined : app.attributes,
    },
    stored,
    deps.ownership,
  );
  if (ownership.state === 'unverified') return { ownership, problems: [] };

  const currentVersionId = Object.entries(described?.stages ?? {}).find(
    ([, stages]) => stages.includes('AWSCURRENT'),
  )?.[0];
  if (!described || !currentVersionId) {
    return {
      ownership,
      problems: [
        {
          code: 'secret-missing',
          message: 'The secret or its AWSCURRENT version does not exist',
        },
      ],
    };
  }

  let current: CurrentCredential | undefined;
  let currentKeyFingerprint: string;
  if (
    currentVersionId === stored.currentVersionId &&
    stored.currentKeyFingerprint
  ) {
    // AWSCURRENT has not moved since the plugin last read it: the same key.
    currentKeyFingerprint = stored.currentKeyFingerprint;
  } else {
    const read = await (valueRead ?? readCurrent(deps, stored));
    if ('problem' in read) return { ownership, problems: [read.problem] };
    current = read.current;
    currentKeyFingerprint = fingerprint(current.consumerKey);
  }

  if (app === 'missing') {
    return {
      ownership,
      currentKeyFingerprint,
      problems: [
        {
          code: 'app-missing',
          message: `App ${binding.app} of developer ${binding.developer} was not found`,
        },
      ],
    };
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
    ownership,
    problems,
    currentKeyFingerprint,
    currentKey,
    currentVersionId: current?.versionId ?? currentVersionId,
  };
}

/** The app, or `missing` when Apigee does not know it. */
async function readApp(
  deps: EngineDependencies,
  stored: StoredBinding,
): Promise<DeveloperAppDetails | 'missing'> {
  const { binding } = stored;
  try {
    return await deps.retry.run('read the Apigee app', () =>
      deps.providerFor(binding.provider).getApp({
        developer: binding.developer,
        app: binding.app,
      }),
    );
  } catch (error) {
    if (isKeyProviderError(error) && error.kind === 'not-found')
      return 'missing';
    throw error;
  }
}

/** AWSCURRENT's value, or the drift that keeps it from being read. */
async function readCurrent(
  deps: EngineDependencies,
  stored: StoredBinding,
): Promise<{ current: CurrentCredential } | { problem: DriftProblem }> {
  const { binding } = stored;
  const fields = {
    key: binding.fields?.key ?? DEFAULT_CREDENTIAL_FIELDS.key,
    secret: binding.fields?.secret ?? DEFAULT_CREDENTIAL_FIELDS.secret,
  };
  try {
    const version = await deps.retry.run('read AWSCURRENT', () =>
      deps.secrets.getVersion(binding.secret, { stage: 'AWSCURRENT' }),
    );
    return {
      current: {
        ...readSecretCredential(version?.secretString, fields),
        versionId: version!.versionId,
      },
    };
  } catch (error) {
    if ((error as Error)?.name === 'ResourceNotFoundException') {
      return {
        problem: {
          code: 'secret-missing',
          message: 'The secret or its AWSCURRENT version does not exist',
        },
      };
    }
    if (error instanceof MalformedSecretError) {
      return { problem: { code: 'secret-malformed', message: error.message } };
    }
    throw error;
  }
}
