import { Entity } from '@backstage/catalog-model';
import {
  APIGEE_CREDENTIALS_ANNOTATION_PREFIX,
  isApigeeCredentialsAvailable,
} from './annotations';

const entity = (annotations?: Record<string, string>): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'orders-service', annotations },
  spec: {},
});

describe('isApigeeCredentialsAvailable', () => {
  it('is true when an environment binding annotation is present', () => {
    expect(
      isApigeeCredentialsAvailable(
        entity({ [`${APIGEE_CREDENTIALS_ANNOTATION_PREFIX}prod`]: 'x' }),
      ),
    ).toBe(true);
  });

  it('is false without annotations or with unrelated ones', () => {
    expect(isApigeeCredentialsAvailable(entity())).toBe(false);
    expect(
      isApigeeCredentialsAvailable(
        entity({ 'backstage.io/techdocs-ref': 'dir:.', 'apigee.com/app': 'x' }),
      ),
    ).toBe(false);
  });
});
