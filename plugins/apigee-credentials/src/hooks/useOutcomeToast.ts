import { useCallback } from 'react';
import { alertApiRef, useApiHolder } from '@backstage/core-plugin-api';
import { coreApis } from '@backstage/frontend-plugin-api';

/** The outcome of an action, as told to the user. */
export interface Outcome {
  title: string;
  description?: string;
  status: 'success' | 'warning' | 'danger';
}

const ALERT_SEVERITY = {
  success: 'success',
  warning: 'warning',
  danger: 'error',
} as const;

/**
 * Posts a toast when the app provides the Toast API (the new frontend system and recent
 * legacy apps), and falls back to the Alert API in older legacy apps.
 */
export function useOutcomeToast(): (outcome: Outcome) => void {
  const apis = useApiHolder();
  return useCallback(
    (outcome: Outcome) => {
      const toastApi = apis.get(coreApis.toast);
      if (toastApi) {
        toastApi.post({
          title: outcome.title,
          description: outcome.description,
          status: outcome.status,
          timeout: outcome.status === 'success' ? 8000 : undefined,
        });
        return;
      }
      apis.get(alertApiRef)?.post({
        message: outcome.description
          ? `${outcome.title}. ${outcome.description}`
          : outcome.title,
        severity: ALERT_SEVERITY[outcome.status],
        display: outcome.status === 'success' ? 'transient' : 'permanent',
      });
    },
    [apis],
  );
}
