import { LoggerService } from '@backstage/backend-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import { NotificationService } from '@backstage/plugin-notifications-node';
import { NotificationSeverity } from '@backstage/plugin-notifications-common';
import { CredentialStatus, RotationEvent } from '../engine/types';
import {
  CatalogBindingRow,
  CatalogBindingStore,
} from '../database/CatalogBindingStore';
import { StatusSettings } from './status';

/** Why an old key was deleted, as the owners read it. */
const DELETION_REASONS: Partial<Record<string, string>> = {
  'no-traffic': 'analytics showed no calls with it',
  'restore-window-over': 'its restore window ended',
  'grace-period-over': 'its grace period ended',
};

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
        event.type.startsWith('key.') ||
        event.type === 'rotation.paused' ||
        event.type === 'rotation.resumed'
      ) {
        await this.#onOldKeyOrPause(event);
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

  /**
   * Old keys on their way out and paused schedules: the owners hear when a key past its grace
   * period is still used (once per episode, with the figures), when retirement waits for
   * analytics, and of every revocation, restore, deletion and pause.
   */
  async #onOldKeyOrPause(event: RotationEvent): Promise<void> {
    const scope = (fp: string) => `old-key:${fp}`;
    switch (event.type) {
      case 'key.in-use': {
        const { traffic } = event;
        const sources = traffic.sources
          .slice(0, 3)
          .map(s => [s.proxy, s.client].filter(Boolean).join(' from '))
          .filter(Boolean)
          .join(', ');
        await this.#send(
          event.bindingId,
          scope(event.keyFingerprint),
          'normal',
          (env, entity) => ({
            title: `The old ${env} Apigee key of ${entity} is still in use`,
            description: `Key ${event.keyFingerprint}: ${
              traffic.calls
            } calls since ${traffic.windowStart.toISOString()}${
              traffic.lastCallAt
                ? `, the last at ${traffic.lastCallAt.toISOString()}`
                : ''
            }${
              sources ? ` (${sources})` : ''
            }. Its consumers still read the old value: restart them or let them re-read the secret. It is kept until traffic stops, and revoked at ${event.deadlineAt.toISOString()}.`,
          }),
        );
        return;
      }
      case 'key.retirement-waiting':
        await this.#send(
          event.bindingId,
          scope(event.keyFingerprint),
          'normal',
          (env, entity) => ({
            title: `The old ${env} Apigee key of ${entity} cannot be retired yet`,
            description: `Key ${event.keyFingerprint}: ${
              event.reason
            }. It is kept (never deleted on missing data) and revoked at ${event.deadlineAt.toISOString()}.`,
          }),
        );
        return;
      case 'key.revoked':
        await this.#send(
          event.bindingId,
          scope(event.keyFingerprint),
          'high',
          (env, entity) => ({
            title: `The old ${env} Apigee key of ${entity} was revoked`,
            description: `Key ${event.keyFingerprint} was revoked (${
              event.reason === 'deadline'
                ? 'still in use at its deadline'
                : `by ${event.actor ?? 'an owner'}`
            }). Apigee rejects it now; if something broke, restore it from the Apigee credentials tab until ${event.restorableUntil.toISOString()}.`,
          }),
        );
        return;
      case 'key.restored':
        await this.#send(
          event.bindingId,
          scope(event.keyFingerprint),
          'normal',
          (env, entity) => ({
            title: `The old ${env} Apigee key of ${entity} was restored`,
            description: `${event.actor} restored key ${
              event.keyFingerprint
            }; it is checked for traffic again and revoked at ${event.deadlineAt.toISOString()} if still in use.`,
          }),
        );
        return;
      case 'key.deleted':
        if (event.reason === 'key-limit') return;
        await this.#send(
          event.bindingId,
          scope(event.keyFingerprint),
          'low',
          (env, entity) => ({
            title: `The old ${env} Apigee key of ${entity} was deleted`,
            description: `Key ${event.keyFingerprint} was deleted: ${
              DELETION_REASONS[event.reason] ?? 'its grace period ended'
            }.`,
          }),
        );
        return;
      case 'rotation.paused':
        await this.#send(
          event.bindingId,
          'paused',
          'normal',
          (env, entity) => ({
            title: `Scheduled rotation of the ${env} Apigee credential of ${entity} is paused`,
            description: `${event.actor} paused it: ${event.reason}`,
          }),
        );
        return;
      case 'rotation.resumed':
        await this.#send(event.bindingId, 'paused', 'low', (env, entity) => ({
          title: `Scheduled rotation of the ${env} Apigee credential of ${entity} is resumed`,
          description: `${event.actor} resumed it.`,
        }));
        return;
      default:
        return;
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
