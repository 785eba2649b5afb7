/**
 * Finding ledger rows by email (shared/ledger/by-email.ts) on the Tablestore emulator: case-insensitive, across
 * GetRange pages, rows without an email skipped; a missing table is the ledger's systemic error.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTablestoreEmulator, type TablestoreEmulator } from '../../emulators/tablestore/index.js';
import { ledgerKeysByEmail } from '../../shared/ledger/by-email.js';
import { ledgerTableSpec } from '../../shared/ledger/table.js';
import { TablestoreClient } from '../../shared/tablestore/client.js';
import { SystemicError } from '../../shared/errors.js';

let ots: TablestoreEmulator;
let client: TablestoreClient;
const T = 'by_email';

beforeAll(async () => {
  ots = await startTablestoreEmulator();
  client = new TablestoreClient({
    endpoint: ots.url,
    instance: ots.instanceName,
    credentials: { accessKeyId: ots.accessKeyId, accessKeySecret: ots.accessKeySecret },
    timeoutMs: 5000,
  });
  await client.createTable(ledgerTableSpec(T));
  // 1,203 rows: more than one page of 1,000; every 100th has Ann's email (two sources), one has none.
  const put = (key: string, email?: string) =>
    client.putRow(T, [{ name: 'employee', value: key }], [{ name: 'version', value: 1n }, ...(email ? [{ name: 'email', value: email }] : [])], {
      row: 'ignore',
    });
  const keys = Array.from({ length: 1200 }, (_, i) => `generic:E${String(i).padStart(5, '0')}`);
  for (let i = 0; i < keys.length; i += 100) {
    await Promise.all(keys.slice(i, i + 100).map((k, j) => put(k, (i + j) % 100 === 99 ? 'Ann@Example.com' : `e${i + j}@example.com`)));
  }
  await Promise.all([put('dingtalk:ann', 'ann@example.com'), put('wecom:ann', 'ANN@example.com'), put('feishu:nobody')]);
}, 60_000);
afterAll(async () => ots?.close());

it('finds every row with the email, ignoring case, across pages', async () => {
  const keys = await ledgerKeysByEmail(client, T, ' ann@EXAMPLE.com ');
  expect(keys).toHaveLength(14);
  expect(keys).toEqual(expect.arrayContaining(['dingtalk:ann', 'wecom:ann', 'generic:E00099', 'generic:E01199']));
  expect(await ledgerKeysByEmail(client, T, 'e5@example.com')).toEqual(['generic:E00005']);
  expect(await ledgerKeysByEmail(client, T, 'nobody@example.com')).toEqual([]);
});

it('a missing table is the ledger error the commands report', async () => {
  const err = await ledgerKeysByEmail(client, 'no_such_table', 'ann@example.com').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SystemicError);
  expect((err as Error).message).toMatch(/OTSObjectNotExist/);
});
