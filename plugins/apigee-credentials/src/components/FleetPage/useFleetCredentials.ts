import useAsync from 'react-use/esm/useAsync';
import { useApi } from '@backstage/core-plugin-api';
import type {
  CredentialStatus,
  CredentialSummary,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { apigeeCredentialsApiRef } from '../../api/ref';

const PAGE_SIZE = 200;
/** The overview stops following pages here, to keep the browser responsive. */
export const MAX_FLEET_ITEMS = 2000;

export interface FleetCredentials {
  items: CredentialSummary[];
  /** True when more credentials exist than were loaded. */
  truncated: boolean;
}

/**
 * Every bound credential matching the status filter and the toggles, following the backend's cursors so
 * that sorting by age covers the whole fleet, up to {@link MAX_FLEET_ITEMS}.
 */
export function useFleetCredentials(
  status?: CredentialStatus,
  toggles: { oldKeyInUse?: boolean; paused?: boolean } = {},
) {
  const api = useApi(apigeeCredentialsApiRef);
  // A toggle that is off filters nothing: it is left out of the request.
  const oldKeyInUse = toggles.oldKeyInUse || undefined;
  const paused = toggles.paused || undefined;
  return useAsync(async (): Promise<FleetCredentials> => {
    const items: CredentialSummary[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.listCredentials({
        status,
        oldKeyInUse,
        paused,
        cursor,
        limit: PAGE_SIZE,
      });
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && items.length < MAX_FLEET_ITEMS);
    return { items, truncated: Boolean(cursor) };
  }, [api, status, oldKeyInUse, paused]);
}
