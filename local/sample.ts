/**
 * Signed sample requests for the generic source (Standard Webhooks), as ready-to-paste curl commands.
 * Used by `npm start` (local) and `npm run sign` (against a deployed URL, for smoke tests).
 */
import { randomUUID } from 'node:crypto';
import { signStandardWebhook } from '../shared/index.js';

export interface SignedRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export function signedGenericRequest(
  url: string,
  secret: string,
  payload: unknown,
  now = Date.now(),
  id = `msg_${randomUUID().replace(/-/g, '')}`,
): SignedRequest {
  const body = JSON.stringify(payload);
  const ts = Math.floor(now / 1000);
  return {
    url,
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(ts),
      'webhook-signature': signStandardWebhook(secret, id, ts, body),
    },
  };
}

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function toCurl(r: SignedRequest): string {
  const h = Object.entries(r.headers).map(([k, v]) => `  -H ${sq(`${k}: ${v}`)} \\`);
  return [`curl -sS -X POST ${sq(r.url)} \\`, ...h, `  --data-raw ${sq(r.body)}`].join('\n');
}

export function sampleJoin(employeeId = 'E1001', email = 'ann.lee@example.com', office = 'Shanghai') {
  return { type: 'employee.joined', timestamp: new Date().toISOString(), data: { employeeId, name: 'Ann Lee', email, office } };
}

export function sampleLeave(employeeId = 'E1001', email = 'ann.lee@example.com') {
  return { type: 'employee.left', timestamp: new Date().toISOString(), data: { employeeId, email } };
}

export function sampleTransfer(employeeId = 'E1001', email = 'ann.lee@example.com', from = 'Shanghai', to = 'Hangzhou') {
  return {
    type: 'employee.transferred',
    timestamp: new Date().toISOString(),
    data: { employeeId, name: 'Ann Lee', email, from: { office: from }, to: { office: to } },
  };
}
