/**
 * The employee ledger on the local stack (Tablestore emulator, real workers): ordering, history, races between
 * workers, a lost table and Tablestore faults. SAG stays the truth for existence throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../local/stack.js';
import { mapLimit } from '../../shared/concurrency.js';
import type { Ledger } from '../../shared/ledger/ledger.js';
import { ledgerKey, type LedgerRecord } from '../../shared/ledger/record.js';
import { ensureLedgerTable } from '../../shared/ledger/table.js';
import type { TablestoreClient } from '../../shared/tablestore/client.js';
import { captureLogs, join, postSigned, sagUsers, stackLedger, transfer } from '../helpers/stack.js';

let stack: Stack;
let ots: TablestoreClient;
let ledger: Ledger;
const logs = captureLogs();
const SH = 'sag-shhq0000000001';
const HZ = 'sag-hzrd0000000002';
const BJ = 'sag-bjsl0000000003';
const OFFICES = ['Shanghai', 'Hangzhou', 'Beijing'] as const;
const INSTANCE: Record<string, string> = { Shanghai: SH, Hangzhou: HZ, Beijing: BJ };
const at = (hour: number) => `2026-11-23T${String(hour).padStart(2, '0')}:00:00Z`;
const record = (id: string): Promise<LedgerRecord | undefined> => ledger.read(ledgerKey('generic', id));

beforeAll(async () => {
  stack = await startStack({ env: { LOG_LEVEL: 'info', WORKER_CONCURRENCY: '8', TABLESTORE_TIMEOUT_MS: '400' }, trigger: { countWindow: 16, lanes: 2 } });
  ({ client: ots, ledger } = stackLedger(stack));
}, 30_000);
afterAll(async () => {
  await stack?.stop();
  logs.restore();
});

describe('ordering', () => {
  it('a join replayed after a newer transfer, and a transfer replayed after a newer one, change nothing and show as stale', async () => {
    await postSigned(stack, join('L1', 'l1@example.com', 'Shanghai', at(8)), { id: 'msg_l1_join' });
    await stack.waitForIdle();
    await postSigned(stack, transfer('L1', 'l1@example.com', 'Shanghai', 'Hangzhou', at(9)), { id: 'msg_l1_t1' });
    await stack.waitForIdle();
    await postSigned(stack, transfer('L1', 'l1@example.com', 'Hangzhou', 'Beijing', at(10)), { id: 'msg_l1_t2' });
    await stack.waitForIdle();
    const before = JSON.stringify([SH, HZ, BJ].map((i) => sagUsers(stack, i)));
    // Redelivered or redriven much later (new webhook ids): the join, and the first transfer.
    await postSigned(stack, join('L1', 'l1@example.com', 'Shanghai', at(8)), { id: 'msg_l1_join_again' });
    await postSigned(stack, transfer('L1', 'l1@example.com', 'Shanghai', 'Hangzhou', at(9)), { id: 'msg_l1_t1_again' });
    await stack.waitForIdle();
    expect(JSON.stringify([SH, HZ, BJ].map((i) => sagUsers(stack, i)))).toBe(before);
    const r = await record('L1');
    expect(r?.history.map((h) => h.result)).toEqual(['done', 'done', 'done', 'stale', 'stale']);
    expect(r?.lastEventAt).toBe(at(10));
    expect(r?.accounts.map((a) => a.smartAGId).sort()).toEqual([BJ, HZ, SH].sort());
    expect(r?.email).toBe('l1@example.com');
    expect(await stack.drainDeadLetters()).toEqual([]);
  });

  it('100 employees × 5 conflicting events, shuffled and concurrent: SAG holds the newest state, every history is complete', async () => {
    const plan = Array.from({ length: 100 }, (_, i) => {
      const id = `LC${i}`;
      const email = `lc${i}@example.com`;
      const path = [0, 1, 2, 0, 1].map((k) => OFFICES[(i + k) % 3] as string);
      const events: Array<{ payload: unknown; id: string }> = [{ payload: join(id, email, path[0], at(8)), id: `msg_${id}_0` }];
      for (let k = 1; k < 5; k++) events.push({ payload: transfer(id, email, path[k - 1] as string, path[k] as string, at(8 + k)), id: `msg_${id}_${k}` });
      return { id, email, newest: path[4] as string, events };
    });
    const deliveries = plan.flatMap((p) => p.events).sort(() => Math.random() - 0.5);
    const statuses = await mapLimit(deliveries, 32, async (d) => (await postSigned(stack, d.payload, { id: d.id })).status);
    expect(statuses.every((s) => s === 202)).toBe(true);
    await stack.waitForIdle(120_000);
    for (const p of plan) {
      expect(
        sagUsers(stack, INSTANCE[p.newest] as string).filter((u) => u.userMail === p.email),
        p.id,
      ).toHaveLength(1);
      const r = await record(p.id);
      expect(r?.lastEventAt, p.id).toBe(at(12));
      expect(r?.pending, p.id).toBeUndefined();
      const ended = new Set(r?.history.filter((h) => ['done', 'already-done', 'stale', 'skipped'].includes(h.result)).map((h) => h.eventId));
      expect(ended.size, `${p.id}: ${JSON.stringify(r?.history.map((h) => h.result))}`).toBe(5);
    }
    for (const i of [SH, HZ, BJ]) {
      const mails = sagUsers(stack, i).map((u) => u.userMail);
      expect(mails.length).toBe(new Set(mails).size);
    }
    expect(await stack.drainDeadLetters()).toEqual([]);
  }, 180_000);
});

describe('a ledger that is lost or failing', () => {
  it('the table deleted mid-run: workers pause, then recover by Describe once it is back; nothing lost or duplicated', async () => {
    await mapLimit(
      Array.from({ length: 30 }, (_, i) => i),
      16,
      (i) => postSigned(stack, join(`LD${i}`, `ld${i}@example.com`, 'Hangzhou', at(8))),
    );
    await ots.deleteTable('hr_sag_ledger');
    await mapLimit(
      Array.from({ length: 30 }, (_, i) => i + 30),
      16,
      (i) => postSigned(stack, join(`LD${i}`, `ld${i}@example.com`, 'Hangzhou', at(8))),
    );
    await new Promise((r) => setTimeout(r, 1500));
    await ensureLedgerTable(ots, 'hr_sag_ledger'); // what `hr-sag-sync setup` does
    await stack.waitForIdle(60_000);
    const mails = sagUsers(stack, HZ)
      .map((u) => u.userMail)
      .filter((m) => m.startsWith('ld'));
    expect(mails.length).toBe(60);
    expect(new Set(mails).size).toBe(60);
    expect(await stack.drainDeadLetters()).toEqual([]);
    expect(logs.lines.some((l) => l.result === 'paused' && String(l.reason).startsWith('ledger.'))).toBe(true);
    // A row lost with the table is rebuilt by the employee's next event, reconciled against SAG.
    await postSigned(stack, transfer('LD0', 'ld0@example.com', 'Hangzhou', 'Beijing', at(9)));
    await stack.waitForIdle();
    expect((await record('LD0'))?.accounts.map((a) => a.smartAGId).sort()).toEqual([BJ, HZ].sort());
  }, 120_000);

  it('Tablestore throttling (30%), 5xx and applied-but-timed-out writes during 1,000 joins: every account once, every row complete', async () => {
    stack.tablestore.faults.add({ code: 'OTSServerBusy', httpStatus: 503, probability: 0.3 } as never);
    stack.tablestore.faults.add({ code: 'OTSInternalServerError', httpStatus: 500, probability: 0.05 } as never);
    stack.tablestore.faults.add({ action: 'PutRow', delayAfterMs: 600, probability: 0.03 } as never);
    const statuses = await mapLimit(
      Array.from({ length: 1000 }, (_, i) => i),
      64,
      async (i) => (await postSigned(stack, join(`LF${i}`, `lf${i}@example.com`, OFFICES[i % 3], at(8)))).status,
    );
    expect(statuses.filter((s) => s !== 202)).toEqual([]);
    await stack.waitForIdle(150_000);
    const fired = stack.tablestore.faults.list().map((r) => r.fired);
    expect(
      fired.every((n) => n > 0),
      `faults fired: ${fired.join(', ')}`,
    ).toBe(true);
    stack.tablestore.faults.clear();
    const all = [SH, HZ, BJ].flatMap((i) => sagUsers(stack, i).map((u) => u.userMail)).filter((m) => /^lf\d+@/.test(m));
    expect(all).toHaveLength(1000);
    expect(new Set(all).size).toBe(1000);
    const rows = await mapLimit(
      Array.from({ length: 1000 }, (_, i) => i),
      32,
      (i) => record(`LF${i}`),
    );
    const incomplete = rows
      .map((r, i) => ({ i, r }))
      .filter(
        ({ r }) =>
          !r || r.pending || r.lastEventAt !== at(8) || r.accounts.length !== 1 || !r.history.some((h) => h.result === 'done' || h.result === 'already-done'),
      );
    expect(incomplete.map(({ i }) => i)).toEqual([]);
    expect(await stack.drainDeadLetters()).toEqual([]);
  }, 200_000);
});
