export * from './types';
export {
  parseBindingAnnotation,
  parseCredentialBindings,
} from './parseBindings';
export { parseDurationMs } from './durations';
export { parseRotationWindow } from './window';
export { formatBindingAnnotation } from './formatBinding';
export type { BindingAnnotationFields } from './formatBinding';
