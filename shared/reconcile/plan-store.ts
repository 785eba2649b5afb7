/**
 * Where held plans and the last run's roster size live: the ledger table, under a key space of their own
 * (`reconcile/…`, which no `{source}:{employeeId}` key can take, since no source is named `reconcile`), written with
 * the product's Tablestore client. A held plan is a header row `reconcile/plan/{id}` and its leave events in chunk
 * rows `reconcile/plan/{id}/{n}` (a Tablestore cell holds at most 2 MB).
 *
 * @example
 * ```ts
 * const store = new PlanStore(client, 'hr_sag_ledger');
 * const held = await store.hold({ source: 'feishu', reasons: ['30 leaves > RECONCILE_MAX_LEAVES 20'], events }); // held.id 'rp-…'
 * (await store.load(held.id))?.events.length; // 30
 * ```
 */
import { createHash } from 'node:crypto';
import type { EmployeeLeft } from '../events.js';
import { asLedgerError, PRIMARY_KEY } from '../ledger/ledger.js';
import type { TablestoreClient } from '../tablestore/client.js';

/** Leave events per chunk row (~250 bytes each: well under a cell's 2 MB). */
const CHUNK = 1_000;

export interface HeldPlan {
  id: string;
  /** The roster source (feishu, dingtalk, wecom, file). */
  source: string;
  createdAt: string;
  reasons: string[];
  status: 'held' | 'released';
  releasedAt?: string;
  events: EmployeeLeft[];
}

const pk = (key: string) => [{ name: PRIMARY_KEY, value: key }];
const planKey = (id: string) => `reconcile/plan/${id}`;
const stateKey = (eventSource: string) => `reconcile/state/${eventSource}`;

/**
 * `rp-1a2b3c4d5e6f`: a digest of the plan's event ids. Event ids depend only on the situation (apply.ts), so the
 * runs that find the same leaves while a plan waits for its release name the same plan instead of piling up new ones.
 */
export function planIdFor(events: readonly EmployeeLeft[]): string {
  const digest = createHash('sha256')
    .update(events.map((e) => e.id).join('\n'))
    .digest('hex')
    .slice(0, 12);
  return `rp-${digest}`;
}

export class PlanStore {
  constructor(
    private readonly client: TablestoreClient,
    private readonly table: string,
  ) {}

  /**
   * Writes a held plan (chunks first, the header last: a plan is loadable only once whole); the same leaves held
   * again return the plan already written.
   */
  async hold(plan: { source: string; reasons: string[]; events: EmployeeLeft[]; createdAt?: string }): Promise<HeldPlan> {
    const id = planIdFor(plan.events);
    const existing = await this.load(id);
    if (existing) return existing;
    const createdAt = plan.createdAt ?? new Date().toISOString();
    const held: HeldPlan = { id, source: plan.source, createdAt, reasons: plan.reasons, status: 'held', events: plan.events };
    const chunks = Math.ceil(held.events.length / CHUNK);
    for (let n = 0; n < chunks; n++) {
      await this.put(`${planKey(held.id)}/${n}`, [{ name: 'events', value: JSON.stringify(held.events.slice(n * CHUNK, (n + 1) * CHUNK)) }]);
    }
    await this.writeHeader(held, chunks);
    return held;
  }

  /** The held plan, or undefined when no plan has this id. */
  async load(id: string): Promise<HeldPlan | undefined> {
    const header = await this.get(planKey(id));
    if (!header) return undefined;
    const chunks = Number(header.chunks ?? 0n);
    const events: EmployeeLeft[] = [];
    for (let n = 0; n < chunks; n++) {
      const row = await this.get(`${planKey(id)}/${n}`);
      if (!row) throw new Error(`held plan ${id}: chunk ${n} of ${chunks} is missing`);
      events.push(...(JSON.parse(String(row.events)) as EmployeeLeft[]));
    }
    return {
      id,
      source: String(header.source),
      createdAt: String(header.createdAt),
      reasons: JSON.parse(String(header.reasons)) as string[],
      status: header.status === 'released' ? 'released' : 'held',
      releasedAt: typeof header.releasedAt === 'string' ? header.releasedAt : undefined,
      events,
    };
  }

  /** Marks a plan released (its events were enqueued). */
  async markReleased(plan: HeldPlan, at = new Date().toISOString()): Promise<void> {
    await this.writeHeader({ ...plan, status: 'released', releasedAt: at }, Math.ceil(plan.events.length / CHUNK));
  }

  /** The roster size of the last run whose leaves were applied, for the guard's shrink check. */
  async lastRosterSize(eventSource: string): Promise<number | undefined> {
    const row = await this.get(stateKey(eventSource));
    return typeof row?.rosterSize === 'bigint' ? Number(row.rosterSize) : undefined;
  }

  async recordRosterSize(eventSource: string, rosterSize: number, at = new Date().toISOString()): Promise<void> {
    await this.put(stateKey(eventSource), [
      { name: 'rosterSize', value: BigInt(rosterSize) },
      { name: 'at', value: at },
    ]);
  }

  private async writeHeader(plan: HeldPlan, chunks: number): Promise<void> {
    await this.put(planKey(plan.id), [
      { name: 'source', value: plan.source },
      { name: 'createdAt', value: plan.createdAt },
      { name: 'reasons', value: JSON.stringify(plan.reasons) },
      { name: 'status', value: plan.status },
      { name: 'chunks', value: BigInt(chunks) },
      { name: 'leaves', value: BigInt(plan.events.length) },
      ...(plan.releasedAt ? [{ name: 'releasedAt', value: plan.releasedAt }] : []),
    ]);
  }

  private async put(key: string, cells: Array<{ name: string; value: string | bigint }>): Promise<void> {
    try {
      await this.client.putRow(this.table, pk(key), cells, { row: 'ignore' });
    } catch (err) {
      throw asLedgerError(err, this.table);
    }
  }

  private async get(key: string) {
    try {
      return (await this.client.getRow(this.table, pk(key))).row?.columns;
    } catch (err) {
      throw asLedgerError(err, this.table);
    }
  }
}
