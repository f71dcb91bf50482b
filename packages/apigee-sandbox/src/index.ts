/**
 * Local stand-in for the Apigee management API (Edge and X), AWS Secrets Manager and an
 * Apigee proxy gateway, for development and tests.
 *
 * @packageDocumentation
 */
export { startSandbox } from './server';
export type {
  RunningSandbox,
  SandboxLogger,
  StartSandboxOptions,
} from './server';
export { FaultInjector } from './faults';
export type {
  FaultDecision,
  FaultKind,
  FaultRule,
  SandboxCounters,
  SandboxService,
} from './faults';
export { DEFAULT_RUNTIME_CONFIG } from './config';
export type { SandboxRuntimeConfig } from './config';
export { ApigeeState } from './apigee/state';
export type { RuntimeKeyView } from './apigee/state';
export type * from './apigee/types';
export {
  DEFAULT_SEED_PATH,
  SeedValidationError,
  loadSeedFile,
  validateSeed,
} from './seed/load';
export type { SandboxSeed, ValidatedSeed } from './seed/schema';
export { SecretsManagerStore } from './secretsmanager';
export { TrafficLog } from './analytics/TrafficLog';
export type {
  TrafficBucket,
  TrafficCall,
  TrafficLogOptions,
} from './analytics/TrafficLog';
export type { StatsResponse, StatsValue } from './analytics/statsReport';
export type { TrafficDimensions } from './analytics/dimensions';
export type {
  TrafficSummary,
  TrafficSummaryResponse,
} from './control/trafficSummary';
