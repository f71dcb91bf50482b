/** Where the credential lives in AWS Secrets Manager. @public */
export type SecretLocator =
  | { arn: string; accountId: string; region: string }
  | { name: string; accountId: string; region: string };

/** How a live probe presents the key to the proxy. @public */
export type ProbeKeyPlacement =
  | { type: 'header'; name: string }
  | { type: 'query'; name: string }
  | { type: 'basic' };

/** An optional call through the real proxy that must succeed before promotion. @public */
export interface ProbeSpec {
  /** Name of a proxy host from the plugin's configuration (never a URL from the catalog). */
  host: string;
  /** Path on that host, starting with `/`. */
  path: string;
  keyIn: ProbeKeyPlacement;
}

/** When scheduled rotations may start. @public */
export interface RotationWindow {
  /** ISO weekdays on which rotation may start: 1 = Monday … 7 = Sunday. */
  days: number[];
  /** Local start and end time, `HH:mm`, in `timeZone`. */
  start: string;
  end: string;
  /** IANA time zone, e.g. `Europe/Berlin`. */
  timeZone: string;
}

/**
 * One credential bound to a catalog entity, as declared by an annotation.
 * Holds identifiers and policy only; never a secret value.
 *
 * @public
 */
export interface CredentialBindingSpec {
  /** The environment, from the annotation key; unique per entity. */
  environment: string;
  /** Name of a key provider from the plugin's configuration. */
  provider: string;
  /** Apigee developer e-mail or id. */
  developer: string;
  /** Apigee developer app name. */
  app: string;
  secret: SecretLocator;
  /** JSON field names of the key and the secret inside the secret value. */
  fields: { key: string; secret: string };
  /** Rotate when the key is this old (ms); the plugin default when absent. */
  maxAgeMs?: number;
  /** How long the old key stays valid after promotion (ms); the plugin default when absent. */
  gracePeriodMs?: number;
  /**
   * How old keys are retired: `traffic` (the default) deletes one only when Apigee analytics
   * shows no calls with it; `time` deletes it when its grace period ends.
   */
  retireOldKeys?: 'traffic' | 'time';
  window?: RotationWindow;
  probe?: ProbeSpec;
}

/** An annotation that could not be turned into a binding. @public */
export interface BindingValidationError {
  environment: string;
  annotation: string;
  message: string;
}
