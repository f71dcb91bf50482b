/**
 * The rotation engine's entry points, for the plugin wiring, the REST API and the scheduler.
 */
export {
  createRotationEngine,
  createSecretStore,
} from './createRotationEngine';
export type { RotationEngineOptions } from './createRotationEngine';
export { RotationEngine } from './RotationEngine';
export type { RotationRequest, StartedRotation } from './RotationEngine';
export { RotationFailure, RotationInProgressError } from './failures';
export type { RetirementSummary } from './retirement/retireOldKeys';
export type { EngineHooks } from './context';
export type { Clock } from './clock';
export type { EngineSettings } from './settings';
export * from './types';
