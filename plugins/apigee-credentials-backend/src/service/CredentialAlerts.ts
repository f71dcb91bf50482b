import { LoggerService } from '@backstage/backend-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import { NotificationService } from '@backstage/plugin-notifications-node';
import { NotificationSeverity } from '@backstage/plugin-notifications-common';
import { CredentialStatus, RotationEvent } from '../engine/types';
import {
  CatalogBindingRow,
  CatalogBindingStore,
} from './bindings/CatalogBindingStore';
import { StatusSettings } from './status';

export interface CredentialAlertsOptions {
  notifications: NotificationService;
  bindings: CatalogBindingStore;
  logger: LoggerService;
  statusSettings: StatusSettings;
  /** Also tell owners about successful rotations. */
  notifyOnSuccess: boolean;
}

/**
 * Tells the owner of an entity about its credentials: rotation failures, drift, credentials
 * due soon or overdue, and (optionally) successful rotations. Each kind of message has a
 * `scope` per binding, so a repeated condition updates one notification instead of piling
 * up new ones. Messages carry identifiers and fingerprints only.
 */
export class CredentialAlerts {
  constructor(private readonly options: CredentialAlertsOptions) {}

  /** Handles an engine event; never throws. */
  async onEvent(event: RotationEvent): Promise<void> {
    try {
      if (event.type === 'rotation.failed') {
        await this.#send(event.bindingId, 'failed', 'high', (env, entity) => ({
          title: `Rotation of the ${env} Apigee credential of ${entity} failed`,
          description: `${event.error} It was rolled back: the current key still works.`,
        }));
      } else if (event.type === 'drift.detected') {
        await this.#send(event.bindingId, 'drift', 'high', (env, entity) => ({
          title: `The ${env} Apigee credential of ${entity} has drifted`,
          description: event.problems.map(p => p.message).join('; '),
        }));
      } else if (
        event.type === 'rotation.completed' &&
        this.options.notifyOnSuccess
      ) {
        await this.#send(event.bindingId, 'rotated', 'low', (env, entity) => ({
          title: `The ${env} Apigee credential of ${entity} was rotated`,
          description: `New key ${event.newKeyFingerprint ?? ''}; the old key ${
            event.oldKeyFingerprint ?? ''
          } stays valid for its grace period.`,
        }));
      }
    } catch (error) {
      this.options.logger.warn(
        `Could not notify about ${event.type} of ${event.bindingId}: ${
          (error as Error).message
        }`,
      );
    }
  }

  /** Called by the scheduled pass after checking a binding: due-soon and overdue reminders. */
  async onChecked(
    row: CatalogBindingRow,
    status: CredentialStatus,
    now: Date,
  ): Promise<void> {
    if (!status.bornAt || !status.rotationDueAt || status.activeRotation)
      return;
    const dueIn = status.rotationDueAt.getTime() - now.getTime();
    const maxAgeMs = status.rotationDueAt.getTime() - status.bornAt.getTime();
    const dueSoonMs = Math.min(
      this.options.statusSettings.dueSoonMs,
      maxAgeMs / 5,
    );
    try {
      if (dueIn <= 0) {
        await this.#send(row.id, 'overdue', 'normal', (env, entity) => ({
          title: `The ${env} Apigee credential of ${entity} is overdue for rotation`,
          description: `Its key ${
            status.currentKeyFingerprint ?? ''
          } is older than its maximum age. It is rotated in its next rotation window, or press Rotate.`,
        }));
      } else if (dueIn <= dueSoonMs) {
        await this.#send(row.id, 'due-soon', 'low', (env, entity) => ({
          title: `The ${env} Apigee credential of ${entity} is due for rotation soon`,
          description: `It will be rotated automatically after ${status.rotationDueAt!.toISOString()}.`,
        }));
      }
    } catch (error) {
      this.options.logger.warn(
        `Could not send a reminder for ${row.id}: ${(error as Error).message}`,
      );
    }
  }

  async #send(
    bindingId: string,
    kind: string,
    severity: NotificationSeverity,
    message: (
      environment: string,
      entityRef: string,
    ) => { title: string; description: string },
  ) {
    const row = await this.options.bindings.get(bindingId);
    if (!row?.ownerRef) return;
    const entity = parseEntityRef(row.entityRef);
    const { title, description } = message(row.environment, row.entityRef);
    await this.options.notifications.send({
      recipients: { type: 'entity', entityRef: row.ownerRef },
      payload: {
        title,
        description,
        severity,
        topic: 'apigee-credentials',
        scope: `apigee-credentials:${bindingId}:${kind}`,
        link: `/catalog/${entity.namespace}/${entity.kind}/${entity.name}/apigee-credentials`,
      },
    });
  }
}
