/**
 * readActual over the wire (the SAG and Tablestore emulators, the product's SagClient and Tablestore client): a leaver's
 * account deleted while an instance is paged shifts Describe's offset pages; the unstable read is repeated, so no
 * remaining account is missed (a missed one would be planned as a join).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen } from '../../emulators/common/http.js';
import { createSagServer } from '../../emulators/sag/index.js';
import { startTablestoreEmulator, type TablestoreEmulator } from '../../emulators/tablestore/index.js';
import { loadConfig } from '../../shared/config.js';
import { Ledger } from '../../shared/ledger/ledger.js';
import { ensureLedgerTable } from '../../shared/ledger/table.js';
import { readActual } from '../../shared/reconcile/actual.js';
import { SagClient } from '../../shared/sag/client.js';
import { createSagFlow } from '../../shared/sag/flow.js';
import { SiteDirectory } from '../../shared/sites.js';
import { TablestoreClient } from '../../shared/tablestore/client.js';

const SMART_AG = 'sag-paging0001';
const sag = createSagServer({ instances: [{ id: SMART_AG, regionId: 'cn-shanghai', cidr: '10.10.0.0/16', userQuota: 1000 }] });
let sagUrl: string;
let ots: TablestoreEmulator;
let ledger: Ledger;
const directory = SiteDirectory.parse({ sites: [{ id: 'sh', regionId: 'cn-shanghai', smartAGId: SMART_AG, bandwidthKbps: 2000, offices: ['Shanghai'] }] });

beforeAll(async () => {
  sagUrl = (await listen(sag.server, '127.0.0.1', 0)).url;
  ots = await startTablestoreEmulator();
  const client = new TablestoreClient({
    endpoint: ots.url,
    instance: ots.instanceName,
    credentials: { accessKeyId: ots.accessKeyId, accessKeySecret: ots.accessKeySecret },
    timeoutMs: 2000,
  });
  await ensureLedgerTable(client, 'hr_sag_ledger');
  ledger = new Ledger({ client, table: 'hr_sag_ledger', leaseMs: 60_000 });
  for (let i = 0; i < 250; i++)
    sag.store.seedUser(SMART_AG, { userMail: `u${i}@example.com`, userName: `user${String(i).padStart(3, '0')}`, state: i < 5 ? 1 : 0 });
});
afterAll(async () => {
  await new Promise((r) => sag.server.close(r));
  await ots?.close();
});

const client = () =>
  new SagClient({
    endpoint: sagUrl,
    credentials: { accessKeyId: 'local-ak', accessKeySecret: 'local-sk' },
    timeoutMs: 2000,
    flow: createSagFlow(loadConfig({})),
  });

describe('readActual', () => {
  it('repeats the read of an instance whose accounts were deleted while it was paged, and misses none that remain', async () => {
    const describe = sag.store.describeUsers.bind(sag.store);
    let calls = 0;
    // After the first page is answered, the five disabled leavers (the oldest accounts) are deleted: page 2 then starts 5 accounts late.
    sag.store.describeUsers = (regionId, smartAGId, input) => {
      const answer = describe(regionId, smartAGId, input);
      if (++calls === 1) for (let i = 0; i < 5; i++) sag.store.deleteUser(regionId, smartAGId, `user00${i}`);
      return answer;
    };
    try {
      const actual = await readActual({ sag: client(), ledger, directory, eventSource: 'generic' });
      const names = new Set(actual.accounts.map((a) => a.userName));
      for (let i = 5; i < 250; i++) expect(names.has(`user${String(i).padStart(3, '0')}`), `user ${i}`).toBe(true);
      expect(actual.describeCalls).toBe(6); // 3 pages, then 3 again once the pages disagreed
    } finally {
      sag.store.describeUsers = describe;
    }
  });

  it('reads a stable instance once', async () => {
    const actual = await readActual({ sag: client(), ledger, directory, eventSource: 'generic' });
    expect(actual.accounts).toHaveLength(245);
    expect(actual.describeCalls).toBe(3);
  });
});
