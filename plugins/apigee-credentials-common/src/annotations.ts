import type { Entity } from '@backstage/catalog-model';

/**
 * Prefix of the catalog annotations that bind an entity to Apigee credentials.
 * One annotation per environment: `apigee.keyrotation.dev/<environment>`.
 *
 * @public
 */
export const APIGEE_CREDENTIALS_ANNOTATION_PREFIX = 'apigee.keyrotation.dev/';

/**
 * Whether the entity carries at least one Apigee credential binding annotation.
 * Used to show the entity tab and card only where they have something to say.
 *
 * @public
 */
export function isApigeeCredentialsAvailable(entity: Entity): boolean {
  return Object.keys(entity.metadata.annotations ?? {}).some(key =>
    key.startsWith(APIGEE_CREDENTIALS_ANNOTATION_PREFIX),
  );
}
