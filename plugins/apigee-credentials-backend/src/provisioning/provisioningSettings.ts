import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

/** Who may provision what (config `apigeeCredentials.provisioning` and `.quotas`). */
export interface ProvisioningSettings {
  /** Provider name → API products users may provision; a missing provider allows none. */
  allowedApiProducts: ReadonlyMap<string, ReadonlySet<string>>;
  /** Provision attempts one user may start in an hour. */
  provisionsPerUserPerHour: number;
}

export const DEFAULT_PROVISIONS_PER_USER_PER_HOUR = 10;

export function readProvisioningSettings(root: Config): ProvisioningSettings {
  const allowed = new Map<string, ReadonlySet<string>>();
  const products = root.getOptionalConfig(
    'apigeeCredentials.provisioning.allowedApiProducts',
  );
  for (const provider of products?.keys() ?? []) {
    allowed.set(provider, new Set(products!.getStringArray(provider)));
  }
  const perHour =
    root.getOptionalNumber(
      'apigeeCredentials.quotas.provisionsPerUserPerHour',
    ) ?? DEFAULT_PROVISIONS_PER_USER_PER_HOUR;
  if (!Number.isInteger(perHour) || perHour < 0) {
    throw new InputError(
      `apigeeCredentials.quotas.provisionsPerUserPerHour must be a whole number of 0 or more, got ${perHour}`,
    );
  }
  return { allowedApiProducts: allowed, provisionsPerUserPerHour: perHour };
}
