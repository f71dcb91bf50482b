import { CredentialStatus, RotationRecord } from '../engine/types';

/**
 * What the REST API reads from the engine: stored state only, never a live call to AWS or
 * Apigee, so status reads stay fast and cannot be used to hammer the upstream APIs.
 */
export interface CredentialsReadModel {
  /** Stored state of a binding, or undefined when the engine does not know it. */
  status(bindingId: string): Promise<CredentialStatus | undefined>;
  /**
   * Stored state of many bindings, by id, in a few queries whatever their number (a page of
   * the fleet); bindings the engine does not know are left out.
   */
  statuses(bindingIds: string[]): Promise<Map<string, CredentialStatus>>;
  getRotation(id: string): Promise<RotationRecord | undefined>;
  /** Newest first. */
  listRotations(bindingId: string, limit: number): Promise<RotationRecord[]>;
}
