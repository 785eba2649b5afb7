/**
 * The HR side of `smoke`: lifecycle events of the synthetic employee, signed with the configured generic-source
 * secret (Standard Webhooks, https://www.standardwebhooks.com) and posted to the deployed webhook. Each event's HR
 * time is later than the previous one's, so the ledger's ordering rule applies them in order even within a second.
 */
import { signedGenericRequest } from '../../local/sample.js';
import type { SyntheticEmployee } from './identity.js';

/** How long one POST may take (the webhook answers within its 1.5 s budget; a cold start adds a few seconds). */
const POST_TIMEOUT_MS = 15_000;

export type LifecyclePayload = { type: string; timestamp: string; data: Record<string, unknown> };

/** The webhook's answer to one event. */
export interface PostAnswer {
  status: number;
  body: string;
  ms: number;
}

export class SmokeHr {
  private last = 0;

  constructor(
    private readonly url: string,
    private readonly secret: string,
  ) {}

  /** An HR time after the previous event's (at least 1 s later). */
  private stamp(): string {
    this.last = Math.max(Date.now(), this.last + 1000);
    return new Date(this.last).toISOString();
  }

  join(e: SyntheticEmployee, site: string): LifecyclePayload {
    return { type: 'employee.joined', timestamp: this.stamp(), data: { employeeId: e.id, name: e.name, email: e.email, site } };
  }

  transfer(e: SyntheticEmployee, from: string, to: string): LifecyclePayload {
    return {
      type: 'employee.transferred',
      timestamp: this.stamp(),
      data: { employeeId: e.id, name: e.name, email: e.email, from: { site: from }, to: { site: to } },
    };
  }

  leave(e: SyntheticEmployee): LifecyclePayload {
    return { type: 'employee.left', timestamp: this.stamp(), data: { employeeId: e.id, email: e.email } };
  }

  /** Signs and posts one event to `/webhooks/generic`. */
  async post(payload: LifecyclePayload): Promise<PostAnswer> {
    const r = signedGenericRequest(webhookEndpoint(this.url), this.secret, payload);
    const started = performance.now();
    const res = await fetch(r.url, { method: 'POST', headers: r.headers, body: r.body, signal: AbortSignal.timeout(POST_TIMEOUT_MS) });
    const body = await res.text();
    return { status: res.status, body: body.slice(0, 300), ms: Math.round(performance.now() - started) };
  }
}

/** `https://x` or `https://x/webhooks/generic` → `https://x/webhooks/generic`. */
export function webhookEndpoint(url: string): string {
  return `${url.replace(/\/webhooks\/[a-z]+\/?$/, '').replace(/\/$/, '')}/webhooks/generic`;
}
