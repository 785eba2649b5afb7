/**
 * Fault injection shared by every emulator (MNS, SAG, HR APIs).
 *
 * A rule matches an operation name (the SAG `Action`, the MNS operation such as `SendMessage`, or `*`/omitted for
 * all) and, optionally, a queue. Rules are evaluated in the order they were added; the first one that fires wins.
 *
 * Accepted JSON (POST /__admin/faults, one object or an array):
 * - `{"action":"CreateSmartAccessGatewayClientUser","code":"Throttling.User","httpStatus":429,"probability":0.3}`
 * - `{"action":"SendMessage","code":"InternalError","httpStatus":500,"count":5}` (fires 5 times, then is spent)
 * - `{"action":"...","delayMs":200}`: latency added before the request is handled
 * - `{"action":"...","delayAfterMs":4000}`: the request IS applied, then the answer is held back (an unknown outcome
 *   for a client whose timeout is shorter)
 * - `{"action":"...","reset":true}`: the connection is destroyed before handling; `"reset":"after"` destroys it
 *   after the request was applied
 * - `{"action":"...","html502":true}`: a non-JSON/non-XML 502 HTML page, as a load balancer would send
 * - `{"action":"RoamClientUser","ratePerSecond":20}`: at most N calls per second pass; beyond that the rule's
 *   error (default: the emulator's throttling error) is answered
 * - `{"seed":42}` alone: re-seed the random source so that probabilities are repeatable
 */
import { createRandom } from './random.js';

export interface FaultErrorSpec {
  code: string;
  httpStatus: number;
  message?: string;
}

export interface FaultRuleInput {
  action?: string;
  queue?: string;
  code?: string;
  httpStatus?: number;
  message?: string;
  probability?: number;
  count?: number;
  delayMs?: number;
  delayAfterMs?: number;
  reset?: boolean | 'before' | 'after';
  html502?: boolean;
  ratePerSecond?: number;
}

export interface FaultRule extends FaultRuleInput {
  id: number;
  fired: number;
}

/** What the emulator must do for one request. */
export interface FaultDecision {
  delayMs: number;
  delayAfterMs: number;
  reset?: 'before' | 'after';
  html502?: boolean;
  error?: FaultErrorSpec;
  ruleId?: number;
}

export class FaultValidationError extends Error {}

const NONE: FaultDecision = Object.freeze({ delayMs: 0, delayAfterMs: 0 }) as FaultDecision;

export class FaultInjector {
  private rules: FaultRule[] = [];
  private nextId = 1;
  private random: () => number;
  /** Per-rule sliding one-second window for `ratePerSecond`. */
  private windows = new Map<number, number[]>();

  constructor(
    /** The error answered by a rate-limit rule that names no code (e.g. SAG `Throttling.User` 429). */
    private readonly throttleError: FaultErrorSpec,
    seed?: number,
  ) {
    this.random = createRandom(seed);
  }

  seed(seed: number | undefined): void {
    this.random = createRandom(seed);
  }

  /** Validates and adds rules. Throws FaultValidationError with a readable message on bad input. */
  add(input: unknown): FaultRule[] {
    const items = Array.isArray(input) ? input : [input];
    const added: FaultRule[] = [];
    for (const item of items) {
      if (item === null || typeof item !== 'object') throw new FaultValidationError('a fault must be a JSON object');
      const r = item as Record<string, unknown>;
      if (typeof r.seed === 'number' && Object.keys(r).length === 1) {
        this.seed(r.seed);
        continue;
      }
      const rule = validateRule(r);
      const stored: FaultRule = { ...rule, id: this.nextId++, fired: 0 };
      this.rules.push(stored);
      added.push(stored);
    }
    return added;
  }

  clear(): void {
    this.rules = [];
    this.windows.clear();
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** Decides the fault, if any, for one request. Call exactly once per request. */
  decide(action: string, queue?: string): FaultDecision {
    if (this.rules.length === 0) return NONE;
    for (const rule of this.rules) {
      if (rule.action && rule.action !== '*' && rule.action !== action) continue;
      if (rule.queue && rule.queue !== queue) continue;
      if (rule.count !== undefined && rule.fired >= rule.count) continue;
      if (rule.ratePerSecond !== undefined) {
        if (this.withinRate(rule)) continue; // under the limit: this rule lets the call through
        rule.fired++;
        return { delayMs: rule.delayMs ?? 0, delayAfterMs: 0, error: errorOf(rule, this.throttleError), ruleId: rule.id };
      }
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      rule.fired++;
      const decision: FaultDecision = { delayMs: rule.delayMs ?? 0, delayAfterMs: rule.delayAfterMs ?? 0, ruleId: rule.id };
      if (rule.reset) decision.reset = rule.reset === 'after' ? 'after' : 'before';
      if (rule.html502) decision.html502 = true;
      if (rule.code) decision.error = errorOf(rule, this.throttleError);
      return decision;
    }
    return NONE;
  }

  private withinRate(rule: FaultRule): boolean {
    const now = Date.now();
    let win = this.windows.get(rule.id);
    if (!win) {
      win = [];
      this.windows.set(rule.id, win);
    }
    while (win.length > 0 && (win[0] as number) <= now - 1000) win.shift();
    if (win.length < (rule.ratePerSecond as number)) {
      win.push(now);
      return true;
    }
    return false;
  }
}

function errorOf(rule: FaultRuleInput, fallback: FaultErrorSpec): FaultErrorSpec {
  if (!rule.code) return fallback;
  return { code: rule.code, httpStatus: rule.httpStatus ?? 400, message: rule.message };
}

function validateRule(r: Record<string, unknown>): FaultRuleInput {
  const out: FaultRuleInput = {};
  const str = (k: keyof FaultRuleInput) => {
    const v = r[k];
    if (v === undefined) return;
    if (typeof v !== 'string' || v.length === 0) throw new FaultValidationError(`${k} must be a non-empty string`);
    (out as Record<string, unknown>)[k] = v;
  };
  const num = (k: keyof FaultRuleInput, min: number, max: number) => {
    const v = r[k];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      throw new FaultValidationError(`${k} must be a number from ${min} to ${max}`);
    }
    (out as Record<string, unknown>)[k] = v;
  };
  str('action');
  str('queue');
  str('code');
  str('message');
  num('httpStatus', 400, 599);
  num('probability', 0, 1);
  num('count', 1, 1_000_000);
  num('delayMs', 0, 120_000);
  num('delayAfterMs', 0, 120_000);
  num('ratePerSecond', 0, 1_000_000);
  if (r.reset !== undefined) {
    if (r.reset !== true && r.reset !== 'before' && r.reset !== 'after') {
      throw new FaultValidationError('reset must be true, "before" or "after"');
    }
    out.reset = r.reset as FaultRuleInput['reset'];
  }
  if (r.html502 !== undefined) {
    if (typeof r.html502 !== 'boolean') throw new FaultValidationError('html502 must be a boolean');
    out.html502 = r.html502;
  }
  const known = new Set([
    'action',
    'queue',
    'code',
    'message',
    'httpStatus',
    'probability',
    'count',
    'delayMs',
    'delayAfterMs',
    'ratePerSecond',
    'reset',
    'html502',
  ]);
  for (const k of Object.keys(r)) if (!known.has(k)) throw new FaultValidationError(`unknown fault field "${k}"`);
  const effects = [out.code, out.delayMs, out.delayAfterMs, out.reset, out.html502, out.ratePerSecond].filter((x) => x !== undefined);
  if (effects.length === 0) {
    throw new FaultValidationError('a fault needs an effect: code, delayMs, delayAfterMs, reset, html502 or ratePerSecond');
  }
  return out;
}
