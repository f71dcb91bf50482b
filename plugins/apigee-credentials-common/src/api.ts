/**
 * Shapes of the backend's REST API (`/api/apigee-credentials/v1/...`), shared with the
 * clients. They carry identifiers, fingerprints and times, never a secret value.
 *
 * The types are generated from the backend's OpenAPI document (`schema/openapi/generated`,
 * written by `yarn generate` in the backend plugin's folder), so the contract is written once;
 * only the generic page wrapper, which the document spells out per endpoint, is written here.
 */
export * from './schema/openapi';

/** A page of items. @public */
export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to get the next page; absent on the last page. */
  nextCursor?: string;
}
