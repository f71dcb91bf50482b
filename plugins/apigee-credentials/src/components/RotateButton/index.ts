export { RotateButton } from './RotateButton';
export { RotationProgress } from './RotationProgress';
export { POLL_INTERVAL_MS } from './useRotationPolling';
