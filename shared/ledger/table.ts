/**
 * The ledger table as `setup` makes it, and the idempotent step that makes it so: created when missing, checked
 * when present (a different primary key is an error to fix by hand; the TTL and max versions are reported).
 */
import type { TableSpec, TablestoreClient } from '../tablestore/client.js';
import { TablestoreError } from '../tablestore/errors.js';
import { PRIMARY_KEY } from './ledger.js';

/**
 * One version per cell (the ledger rewrites whole rows), kept forever (TTL -1): a row is an employee's history and
 * the index of their accounts, which leavers and rehires need long after the last event.
 */
export function ledgerTableSpec(name: string): TableSpec {
  return { name, primaryKey: [{ name: PRIMARY_KEY, type: 'STRING' }], timeToLive: -1, maxVersions: 1 };
}

export type EnsureResult = { table: string; action: 'created' | 'unchanged' | 'would-create'; notes: string[] };

/** Creates the ledger table if it does not exist; `dryRun` only reports. Throws if it exists with another key. */
export async function ensureLedgerTable(client: TablestoreClient, name: string, dryRun = false): Promise<EnsureResult> {
  const spec = ledgerTableSpec(name);
  try {
    const t = await client.describeTable(name);
    if (t.primaryKey.join(',') !== PRIMARY_KEY) {
      throw new Error(`table ${name} exists with primary key [${t.primaryKey.join(', ')}], not [${PRIMARY_KEY}]: use another LEDGER_TABLE or drop it`);
    }
    const notes: string[] = [];
    if (t.maxVersions !== undefined && t.maxVersions !== spec.maxVersions) notes.push(`max versions is ${t.maxVersions} (expected ${spec.maxVersions})`);
    if (t.timeToLive !== undefined && t.timeToLive !== spec.timeToLive) notes.push(`TTL is ${t.timeToLive} s (expected ${spec.timeToLive}: rows would expire)`);
    return { table: name, action: 'unchanged', notes };
  } catch (err) {
    if (!(err instanceof TablestoreError && err.code === 'OTSObjectNotExist')) throw err;
  }
  if (dryRun) return { table: name, action: 'would-create', notes: [] };
  await client.createTable(spec);
  return { table: name, action: 'created', notes: [] };
}
