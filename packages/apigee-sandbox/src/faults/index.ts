export { FaultInjector, applyFault } from './FaultInjector';
export type * from './types';
