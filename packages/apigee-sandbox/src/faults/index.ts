export { FaultInjector } from './FaultInjector';
export type * from './types';
