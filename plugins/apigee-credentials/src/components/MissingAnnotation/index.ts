export {
  MissingBindingAnnotation,
  ANNOTATION_EXAMPLE,
} from './MissingBindingAnnotation';
