import {
  AuditorService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { CatalogBindingStore } from '../database/CatalogBindingStore';
import { RotationEngine } from '../engine/RotationEngine';
import { CredentialsReadModel } from './CredentialsReadModel';
import { CredentialsService } from './CredentialsService';
import { PluginSettings } from './settings';

/**
 * The REST API's and the actions' view of the engine, as the plugin wires it: the read model
 * (stored state only) and the service that checks permissions, cooldown and quota, audits,
 * and then asks the engine. The status benchmark serves its reads through this same wiring.
 */
export function createEngineCredentialsService(options: {
  engine: RotationEngine;
  bindings: CatalogBindingStore;
  permissions: PermissionsService;
  auditor: AuditorService;
  settings: PluginSettings;
}): { readModel: CredentialsReadModel; service: CredentialsService } {
  const { engine, settings } = options;
  const readModel: CredentialsReadModel = {
    status: id => engine.storedStatus(id),
    statuses: ids => engine.storedStatuses(ids),
    getRotation: id => engine.getRotation(id),
    listRotations: (id, limit) => engine.listRotations(id, limit),
  };
  const service = new CredentialsService({
    permissions: options.permissions,
    auditor: options.auditor,
    bindings: options.bindings,
    readModel,
    checkNow: async bindingId => {
      await engine.adopt(bindingId);
    },
    approve: (bindingId, approver) => engine.approve(bindingId, approver),
    oldKeys: {
      traffic: (bindingId, fp) => engine.oldKeys.traffic(bindingId, fp),
      revokeNow: (bindingId, fp, actor) =>
        engine.oldKeys.revokeNow(bindingId, fp, actor),
      restore: (bindingId, fp, actor) =>
        engine.oldKeys.restore(bindingId, fp, actor),
      pause: (bindingId, actor, reason) =>
        engine.pause(bindingId, actor, reason),
      resume: (bindingId, actor) => engine.resumeSchedule(bindingId, actor),
    },
    startRotation: async (bindingId, actor, rotateOptions) => {
      const started = await engine.startRotation(bindingId, {
        trigger: 'manual',
        actor,
        revokeOldKey: rotateOptions?.revokeOldKey,
      });
      started.done.catch(() => {
        // The outcome is persisted and reported through events.
      });
      return { id: started.rotation.id };
    },
    statusSettings: settings.status,
    manualCooldownMs: settings.manualCooldownMs,
    manualRotationQuota: {
      perHour: settings.manualRotationsPerUserPerHour,
      startsBy: (actor, since, limit) =>
        engine.listRotationStartsBy(actor, 'manual', since, limit),
    },
  });
  return { readModel, service };
}
