/** Test helpers around the local stack: signed posts, SAG state, captured logs. */
import { LOCAL_CREDENTIALS, LOCAL_WEBHOOK_SECRET, type Stack } from '../../local/stack.js';
import { Ledger } from '../../shared/ledger/ledger.js';
import { TablestoreClient } from '../../shared/tablestore/client.js';
import { signedGenericRequest } from '../../local/sample.js';
import { setLogSink } from '../../shared/logger.js';

export async function postSigned(
  stack: Stack,
  payload: unknown,
  opts: { id?: string; now?: number; secret?: string } = {},
): Promise<{ status: number; body: any }> {
  const r = signedGenericRequest(`${stack.webhookUrl}/webhooks/generic`, opts.secret ?? LOCAL_WEBHOOK_SECRET, payload, opts.now, opts.id);
  const res = await fetch(r.url, { method: 'POST', headers: r.headers, body: r.body });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* keep text */
  }
  return { status: res.status, body };
}

/** HR times default to one morning: a join at 08:00, transfers at 09:00, leaves at 10:00 (pass `timestamp` to order events). */
export const join = (employeeId: string, email: string, office = 'Shanghai', timestamp = '2026-11-23T08:00:00Z') => ({
  type: 'employee.joined',
  timestamp,
  data: { employeeId, name: `Employee ${employeeId}`, email, office },
});

export const transfer = (employeeId: string, email: string, from: string, to: string, timestamp = '2026-11-23T09:00:00Z') => ({
  type: 'employee.transferred',
  timestamp,
  data: { employeeId, name: `Employee ${employeeId}`, email, from: { office: from }, to: { office: to } },
});

/** A leave; without `email` the ledger supplies it (thin sources). */
export const leave = (employeeId: string, email: string | undefined, timestamp = '2026-11-23T10:00:00Z') => ({
  type: 'employee.left',
  timestamp,
  data: { employeeId, ...(email ? { email } : {}) },
});

export async function addFault(url: string, fault: unknown): Promise<void> {
  const res = await fetch(`${url}/__admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) });
  if (res.status !== 201) throw new Error(`fault refused: ${res.status} ${await res.text()}`);
}

export async function clearFaults(url: string): Promise<void> {
  await fetch(`${url}/__admin/faults`, { method: 'DELETE' });
}

/** Captures structured log lines (JSON) for the duration of a test file. */
export function captureLogs(): { lines: Array<Record<string, any>>; restore(): void } {
  const lines: Array<Record<string, any>> = [];
  const prev = setLogSink((l) => lines.push(JSON.parse(l)));
  return { lines, restore: () => setLogSink(prev) };
}

/** User names on one emulated SAG instance. */
export function sagUsers(stack: Stack, smartAGId: string): Array<{ userName: string; userMail: string }> {
  return stack.sag.listUsers(smartAGId).map((u) => ({ userName: u.userName, userMail: u.userMail }));
}

/** A Tablestore client and the ledger on a stack's emulator, for tests that read rows or break the table. */
export function stackLedger(stack: Stack): { client: TablestoreClient; ledger: Ledger } {
  const client = new TablestoreClient({
    endpoint: stack.tablestore.url,
    instance: stack.tablestore.instanceName,
    credentials: LOCAL_CREDENTIALS,
    timeoutMs: 2000,
  });
  return { client, ledger: new Ledger({ client, table: 'hr_sag_ledger', leaseMs: 60_000 }) };
}
