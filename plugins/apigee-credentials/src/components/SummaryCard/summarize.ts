import type {
  CredentialStatus,
  CredentialSummary,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { CREDENTIAL_STATUS } from '../shared/status';

export interface CredentialsOverview {
  count: number;
  /** The worst status across the bindings; undefined when there are none. */
  worst?: CredentialStatus;
  /** How many bindings have the worst status. */
  worstCount: number;
  /** The binding with the oldest key, when any age is known. */
  oldest?: CredentialSummary;
}

/** Reduces an entity's bindings to what its overview card shows. */
export function summarizeCredentials(
  credentials: CredentialSummary[],
): CredentialsOverview {
  let worst: CredentialStatus | undefined;
  let oldest: CredentialSummary | undefined;
  for (const credential of credentials) {
    if (
      worst === undefined ||
      CREDENTIAL_STATUS[credential.status].severity >
        CREDENTIAL_STATUS[worst].severity
    ) {
      worst = credential.status;
    }
    if (
      credential.ageDays !== undefined &&
      (oldest?.ageDays === undefined || credential.ageDays > oldest.ageDays)
    ) {
      oldest = credential;
    }
  }
  return {
    count: credentials.length,
    worst,
    worstCount: credentials.filter(c => c.status === worst).length,
    oldest,
  };
}
