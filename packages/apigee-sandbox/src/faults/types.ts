/** Which emulated service a call went to. */
export type SandboxService = 'apigee' | 'secretsmanager' | 'gateway';

/**
 * The kind of failure a rule injects. Each service renders it in its own wire format:
 * - `server-error`: HTTP 5xx (`status`, default 503);
 * - `too-many-requests`: HTTP 429;
 * - `throttling`: AWS `ThrottlingException` (HTTP 400); on Apigee it is rendered as a 429;
 * - `reset`: the connection is closed without an answer;
 * - `none`: no error, only `latencyMs` / `hangMs` apply.
 */
export type FaultKind =
  | 'server-error'
  | 'too-many-requests'
  | 'throttling'
  | 'reset'
  | 'none';

/** One fault rule. Every field but `id` narrows or shapes what the rule does. */
export interface FaultRule {
  /** Stable name, so a rule can be removed again through the control API. */
  id: string;
  /** Service the rule applies to; all services when omitted. */
  service?: SandboxService;
  /** Operation name (e.g. `PutSecretValue`, `keys.create`, `verify`); all when omitted. */
  operation?: string;
  /** Regular expression matched against the request path; all paths when omitted. */
  path?: string;
  /** Probability in [0, 1] that a matching call fails with `error`. */
  errorRate?: number;
  /** Fail the next N matching calls with `error` (counts down to zero). */
  failNext?: number;
  /** What a failing call returns; `server-error` when omitted. */
  error?: FaultKind;
  /** HTTP status for `server-error` (500-599). */
  status?: number;
  /** Added latency in ms for every matching call (applied before the call is handled). */
  latencyMs?: number;
  /**
   * Hold a failing call for this many ms before handling it normally: the client may time
   * out while the operation still takes effect afterwards, as with a real network hang.
   */
  hangMs?: number;
  /**
   * Carry the operation out first, then lose its answer: the client gets `error` (or a
   * reset) instead of the real answer, or, with `error: 'none'`, the real answer only after
   * `hangMs` (past its timeout). The change has taken effect either way.
   */
  answerLost?: boolean;
}

/** What the injector decided for one call. */
export interface FaultDecision {
  /** The error to render, or undefined to handle the call normally. */
  error?: Exclude<FaultKind, 'none'>;
  /** HTTP status for a `server-error`. */
  status: number;
  /** The rule that fired. */
  ruleId: string;
  /** Handle the call, then replace or hold its answer (see {@link FaultRule.answerLost}). */
  answerLost?: { error?: Exclude<FaultKind, 'none'>; hangMs: number };
}

/** Call counters, as returned by the control API. */
export interface SandboxCounters {
  /** Calls per `service.operation`. */
  calls: Record<string, number>;
  /** Injected faults per `service.operation` (lost answers included). */
  faults: Record<string, number>;
  /** Calls per `service.operation` that were carried out and whose answer was then lost. */
  lostAnswers: Record<string, number>;
  /** Calls per `service.operation` held by a rule's `hangMs`. */
  hangs: Record<string, number>;
  /** How often each rule fired, by rule id. */
  rules: Record<string, number>;
  /** Calls per service per whole second (epoch seconds as keys), for rate measurements. */
  perSecond: Record<SandboxService, Record<string, number>>;
}
