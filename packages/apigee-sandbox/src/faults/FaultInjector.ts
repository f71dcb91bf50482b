import {
  FaultDecision,
  FaultRule,
  SandboxCounters,
  SandboxService,
} from './types';

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
   * then returns the error to render, if any.
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
      hang = rule.hangMs ?? 0;
      const kind = rule.error ?? 'server-error';
      decision = {
        error: kind === 'none' ? undefined : kind,
        status: rule.status ?? 503,
        ruleId: rule.id,
      };
    }
    if (latency + hang > 0) await sleep(latency + hang);
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
