/**
 * Finding an employee's ledger rows by email, for the operator (`hr-sag-sync status <email>`): the rows are keyed by
 * HR source and employee id, so this scans the table reading only the keys and the `email` column (GetRange with
 * columns to get), page by page, and matches case-insensitively. It costs one read of the table's keys and emails,
 * which is fine for a command and never done by a worker. The email is compared in memory and never logged.
 *
 * @example
 * ```ts
 * const keys = await ledgerKeysByEmail(client, 'hr_sag_ledger', 'ann@example.com'); // ['generic:E1001']
 * ```
 */
import type { TablestoreClient } from '../tablestore/client.js';
import { INF_MAX, INF_MIN } from '../tablestore/plain-buffer.js';
import { asLedgerError, PRIMARY_KEY } from './ledger.js';

/** Rows per GetRange page. */
const PAGE = 1000;

/** The keys of the rows whose `email` equals `email`, ignoring case. */
export async function ledgerKeysByEmail(client: TablestoreClient, table: string, email: string): Promise<string[]> {
  const want = email.trim().toLowerCase();
  const keys: string[] = [];
  let start: Parameters<TablestoreClient['getRange']>[1] | undefined = [{ name: PRIMARY_KEY, value: INF_MIN }];
  while (start) {
    let page: Awaited<ReturnType<TablestoreClient['getRange']>>;
    try {
      page = await client.getRange(table, start, [{ name: PRIMARY_KEY, value: INF_MAX }], PAGE, ['email']);
    } catch (err) {
      throw asLedgerError(err, table);
    }
    for (const row of page.rows) {
      const e = row.columns.email;
      if (typeof e === 'string' && e.toLowerCase() === want) keys.push(String(row.primaryKey[PRIMARY_KEY]));
    }
    start = page.next;
  }
  return keys;
}
