import type { CompoundEntityRef } from '@backstage/catalog-model';
import type {
  CredentialStatus,
  CredentialSummary,
  Page,
  RotationSummary,
} from '@keyrotation/backstage-plugin-apigee-credentials-common';

/** Paging options of the list endpoints. @public */
export interface PageOptions {
  /** The `nextCursor` of the previous page; absent for the first page. */
  cursor?: string;
  limit?: number;
}

/** Filters of the fleet overview. @public */
export interface FleetFilter extends PageOptions {
  status?: CredentialStatus;
  /** Entity ref of the owning group or user. */
  owner?: string;
}

/**
 * What the frontend needs from the Apigee credentials backend. Every method rejects with a
 * `ResponseError` (from `@backstage/errors`) when the backend answers with an error status.
 *
 * @public
 */
export interface ApigeeCredentialsApi {
  /** Every credential bound to the entity, one per environment. */
  getEntityCredentials(
    entityRef: CompoundEntityRef,
  ): Promise<CredentialSummary[]>;

  /** One page of the rotation history of one binding, newest first. */
  getRotationHistory(
    entityRef: CompoundEntityRef,
    bindingId: string,
    options?: PageOptions,
  ): Promise<Page<RotationSummary>>;

  /**
   * Starts a manual rotation. Rejects with status 409 while a rotation of the binding runs,
   * 429 within the manual-rotation cooldown and 403 when the user may not rotate.
   */
  rotate(
    entityRef: CompoundEntityRef,
    bindingId: string,
  ): Promise<{ id: string }>;

  /**
   * Checks one binding live now (ownership, drift, age) and answers with the result.
   * Needs the rotate permission on the entity; rejects with 403 otherwise.
   */
  checkNow(
    entityRef: CompoundEntityRef,
    bindingId: string,
  ): Promise<CredentialSummary>;
  /**
   * Approves a binding whose secret and app carry no ownership marks, then checks it.
   * Needs the admin permission; rejects with 403 otherwise.
   */
  approve(
    entityRef: CompoundEntityRef,
    bindingId: string,
  ): Promise<CredentialSummary>;
  /** The current state of one rotation. */
  getRotation(rotationId: string): Promise<RotationSummary>;

  /** One page of every bound credential, across entities (fleet overview). */
  listCredentials(filter?: FleetFilter): Promise<Page<CredentialSummary>>;
}
