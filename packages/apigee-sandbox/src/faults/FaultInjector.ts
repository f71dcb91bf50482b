import type { Request, Response } from 'express';
import {
  FaultDecision,
  FaultRule,
  SandboxCounters,
  SandboxService,
} from './types';

const FAULT_KINDS = [
  'server-error',
  'too-many-requests',
  'throttling',
  'reset',
  'none',
] as const;

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/**
 * Decides, per incoming call, whether to delay it and whether to fail it, according to a
 * list of rules that tests and the control API can change at run time. Also counts calls.
 *
 * Each emulated service calls {@link FaultInjector.onCall} before handling a request and
 * renders a returned error in its own wire format.
 */
export class FaultInjector {
  #rules: FaultRule[] = [];
  #calls = new Map<string, number>();
  #faults = new Map<string, number>();
  #lostAnswers = new Map<string, number>();
  #hangs = new Map<string, number>();
  #fired = new Map<string, number>();
  #perSecond: SandboxCounters['perSecond'] = {
    apigee: {},
    secretsmanager: {},
    gateway: {},
  };
  readonly #random: () => number;

  constructor(options?: { rules?: FaultRule[]; random?: () => number }) {
    this.#random = options?.random ?? Math.random;
    for (const rule of options?.rules ?? []) this.addRule(rule);
  }

  /** Adds a rule, replacing one with the same id. */
  addRule(rule: FaultRule): void {
    validateRule(rule);
    this.#rules = this.#rules.filter(r => r.id !== rule.id).concat({ ...rule });
  }

  /** Removes the rule with this id; returns whether there was one. */
  removeRule(id: string): boolean {
    const before = this.#rules.length;
    this.#rules = this.#rules.filter(r => r.id !== id);
    return this.#rules.length !== before;
  }

  clearRules(): void {
    this.#rules = [];
  }

  listRules(): FaultRule[] {
    return this.#rules.map(r => ({ ...r }));
  }

  /**
   * Records a call and applies the matching rules: waits for any added latency or hang,
   * then returns the error to render, if any. A decision with `answerLost` is for after the
   * call has been handled (see {@link interceptAnswer}); its hang is not waited for here.
   */
  async onCall(
    service: SandboxService,
    operation: string,
    path: string,
  ): Promise<FaultDecision | undefined> {
    const key = `${service}.${operation}`;
    this.#calls.set(key, (this.#calls.get(key) ?? 0) + 1);
    const second = String(Math.floor(Date.now() / 1000));
    const buckets = this.#perSecond[service];
    buckets[second] = (buckets[second] ?? 0) + 1;

    let latency = 0;
    let decision: FaultDecision | undefined;
    let hang = 0;
    for (const rule of this.#rules) {
      if (!matches(rule, service, operation, path)) continue;
      latency += rule.latencyMs ?? 0;
      if (decision) continue;
      let fire = false;
      if (rule.failNext && rule.failNext > 0) {
        rule.failNext -= 1;
        fire = true;
      } else if (rule.errorRate && this.#random() < rule.errorRate) {
        fire = true;
      }
      if (!fire) continue;
      const kind = rule.error ?? 'server-error';
      const error = kind === 'none' ? undefined : kind;
      this.#fired.set(rule.id, (this.#fired.get(rule.id) ?? 0) + 1);
      if (rule.hangMs) this.#hangs.set(key, (this.#hangs.get(key) ?? 0) + 1);
      decision = { error, status: rule.status ?? 503, ruleId: rule.id };
      if (rule.answerLost) {
        decision.error = undefined;
        decision.answerLost = { error, hangMs: rule.hangMs ?? 0 };
      } else {
        hang = rule.hangMs ?? 0;
      }
    }
    if (latency + hang > 0) await sleep(latency + hang);
    if (decision?.answerLost) {
      this.#lostAnswers.set(key, (this.#lostAnswers.get(key) ?? 0) + 1);
      if (decision.answerLost.error)
        this.#faults.set(key, (this.#faults.get(key) ?? 0) + 1);
      return decision;
    }
    if (decision?.error) {
      this.#faults.set(key, (this.#faults.get(key) ?? 0) + 1);
      return decision;
    }
    return undefined;
  }

  counters(): SandboxCounters {
    return {
      calls: Object.fromEntries(this.#calls),
      faults: Object.fromEntries(this.#faults),
      lostAnswers: Object.fromEntries(this.#lostAnswers),
      hangs: Object.fromEntries(this.#hangs),
      rules: Object.fromEntries(this.#fired),
      perSecond: structuredClone(this.#perSecond),
    };
  }

  /** Sum of calls whose `service.operation` key starts with the given prefix. */
  callCount(prefix = ''): number {
    let total = 0;
    for (const [key, n] of this.#calls) if (key.startsWith(prefix)) total += n;
    return total;
  }

  resetCounters(): void {
    this.#calls.clear();
    this.#faults.clear();
    this.#lostAnswers.clear();
    this.#hangs.clear();
    this.#fired.clear();
    this.#perSecond = { apigee: {}, secretsmanager: {}, gateway: {} };
  }
}

function matches(
  rule: FaultRule,
  service: SandboxService,
  operation: string,
  path: string,
): boolean {
  if (rule.service && rule.service !== service) return false;
  if (rule.operation && rule.operation !== operation) return false;
  if (rule.path && !new RegExp(rule.path).test(path)) return false;
  return true;
}

function validateRule(rule: FaultRule): void {
  if (!rule || typeof rule.id !== 'string' || !rule.id) {
    throw new TypeError('A fault rule needs a non-empty string id');
  }
  if (
    rule.errorRate !== undefined &&
    !(rule.errorRate >= 0 && rule.errorRate <= 1)
  ) {
    throw new TypeError(`Fault rule ${rule.id}: errorRate must be in [0, 1]`);
  }
  if (
    rule.status !== undefined &&
    !(rule.status >= 500 && rule.status <= 599)
  ) {
    throw new TypeError(`Fault rule ${rule.id}: status must be 500-599`);
  }
  for (const field of ['failNext', 'latencyMs', 'hangMs'] as const) {
    const value = rule[field];
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
      throw new TypeError(
        `Fault rule ${rule.id}: ${field} must be a non-negative integer`,
      );
    }
  }
  if (
    rule.error !== undefined &&
    !FAULT_KINDS.includes(rule.error as (typeof FAULT_KINDS)[number])
  ) {
    throw new TypeError(
      `Fault rule ${rule.id}: error must be one of ${FAULT_KINDS.join(', ')}`,
    );
  }
  if (rule.answerLost !== undefined && typeof rule.answerLost !== 'boolean') {
    throw new TypeError(`Fault rule ${rule.id}: answerLost must be a boolean`);
  }
  if (rule.path !== undefined) {
    try {
      RegExp(rule.path);
    } catch (error) {
      throw new TypeError(
        `Fault rule ${rule.id}: path is not a valid regular expression: ${error}`,
      );
    }
  }
}

/**
 * Puts a decision into effect for one Express request. Returns true when the fault has
 * answered (or dropped) the call, so the caller must not handle it. For a lost answer the
 * call is handled normally and only what it sends is replaced, dropped or held.
 */
export function applyFault(
  req: Request,
  res: Response,
  decision: FaultDecision | undefined,
  render: (res: Response, decision: FaultDecision) => void,
): boolean {
  if (!decision) return false;
  if (decision.answerLost) {
    interceptAnswer(req, res, decision, render);
    return false;
  }
  if (decision.error === 'reset') {
    req.socket.destroy();
    return true;
  }
  render(res, decision);
  return true;
}

/** Replaces, drops or holds the answer the handler is about to send. */
function interceptAnswer(
  req: Request,
  res: Response,
  decision: FaultDecision,
  render: (res: Response, decision: FaultDecision) => void,
): void {
  const lost = decision.answerLost!;
  const end = res.end;
  res.end = function lostEnd(this: Response, ...args: unknown[]) {
    res.end = end;
    if (lost.error === 'reset' || (lost.error && res.headersSent)) {
      req.socket.destroy();
      return res;
    }
    if (lost.error) {
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      res.status(200);
      render(res, { ...decision, error: lost.error });
      return res;
    }
    setTimeout(
      () => (end as (...a: unknown[]) => void).apply(res, args),
      lost.hangMs,
    );
    return res;
  } as Response['end'];
}
