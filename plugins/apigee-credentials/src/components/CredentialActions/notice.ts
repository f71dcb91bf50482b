import { ResponseError } from '@backstage/errors';

/** A one-line outcome shown under a row, next to what it is about. */
export interface RowNotice {
  tone: 'info' | 'error';
  message: string;
}

/** "<what>: <why>", with the backend's own message when it sent one. */
export function actionErrorMessage(error: unknown, what: string): string {
  if (ResponseError.is(error)) {
    if (error.statusCode === 403) {
      return `${what}: you do not have permission.`;
    }
    return `${what}: ${error.cause.message || error.message}`;
  }
  return `${what}: ${(error as Error)?.message ?? String(error)}`;
}
