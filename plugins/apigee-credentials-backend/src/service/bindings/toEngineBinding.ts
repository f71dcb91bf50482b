import {
  CredentialBindingSpec,
  ProbeKeyPlacement,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { isNormalPath, isUnderPathPrefix } from '../../engine/probe';
import { ProbeHostSettings } from '../../engine/settings';
import { CredentialBinding, ProbeSpec } from '../../engine/types';

/** Builds the id of a binding: the entity ref and the environment, lowercase. */
export function bindingIdOf(entityRef: string, environment: string): string {
  return `${entityRef}#${environment}`.toLocaleLowerCase('en-US');
}

function probeKey(keyIn: ProbeKeyPlacement): ProbeSpec['key'] {
  return keyIn.type === 'basic'
    ? { in: 'basic' }
    : { in: keyIn.type, name: keyIn.name };
}

/**
 * Turns a parsed annotation into the engine's binding. Probe hosts are names from config
 * (`apigeeCredentials.probeHosts`), so the catalog can never point the engine at an
 * arbitrary URL; an unknown host name, or a probe path outside the host's `pathPrefixes`,
 * throws.
 */
export function toEngineBinding(
  entityRef: string,
  spec: CredentialBindingSpec,
  probeHosts: ReadonlyMap<string, ProbeHostSettings>,
  ownerRef?: string,
): CredentialBinding {
  const binding: CredentialBinding = {
    id: bindingIdOf(entityRef, spec.environment),
    entityRef,
    ...(ownerRef && { ownerRef }),
    environment: spec.environment,
    provider: spec.provider,
    developer: spec.developer,
    app: spec.app,
    secret:
      'arn' in spec.secret
        ? { arn: spec.secret.arn }
        : {
            name: spec.secret.name,
            accountId: spec.secret.accountId,
            region: spec.secret.region,
          },
    fields: { key: spec.fields.key, secret: spec.fields.secret },
  };
  if (spec.maxAgeMs !== undefined) binding.maxAge = spec.maxAgeMs;
  if (spec.gracePeriodMs !== undefined)
    binding.gracePeriod = spec.gracePeriodMs;
  if (spec.retireOldKeys) binding.retireOldKeys = spec.retireOldKeys;
  if (spec.probe) {
    const { host: name, path } = spec.probe;
    const host = probeHosts.get(name);
    if (!host) {
      throw new Error(
        `probe.host "${name}" is not a configured probe host (apigeeCredentials.probeHosts)`,
      );
    }
    if (!isNormalPath(path)) {
      throw new Error(
        `probe.path "${path}" must be a plain path without ".", ".." or empty segments`,
      );
    }
    if (!host.pathPrefixes.some(prefix => isUnderPathPrefix(path, prefix))) {
      throw new Error(
        host.pathPrefixes.length > 0
          ? `probe.path "${path}" is not under a path prefix allowed on probe host ${name}: ${host.pathPrefixes.join(
              ', ',
            )} (apigeeCredentials.probeHosts[].pathPrefixes)`
          : `probe host ${name} allows no probe path: it has no pathPrefixes (apigeeCredentials.probeHosts[].pathPrefixes)`,
      );
    }
    binding.probe = {
      url: `${host.baseUrl}${path}`,
      key: probeKey(spec.probe.keyIn),
    };
  }
  return binding;
}
