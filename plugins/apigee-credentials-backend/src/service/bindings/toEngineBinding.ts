import {
  CredentialBindingSpec,
  ProbeKeyPlacement,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';
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
 * arbitrary URL; an unknown host name throws.
 */
export function toEngineBinding(
  entityRef: string,
  spec: CredentialBindingSpec,
  probeHosts: ReadonlyMap<string, string>,
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
  if (spec.probe) {
    const baseUrl = probeHosts.get(spec.probe.host);
    if (!baseUrl) {
      throw new Error(
        `probe.host "${spec.probe.host}" is not a configured probe host (apigeeCredentials.probeHosts)`,
      );
    }
    binding.probe = {
      url: `${baseUrl.replace(/\/+$/, '')}${spec.probe.path}`,
      key: probeKey(spec.probe.keyIn),
    };
  }
  return binding;
}
