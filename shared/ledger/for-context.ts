/** The ledger of one invocation: the invocation's credentials, the configured endpoint, instance and table. */
import { keyedCache } from '../client-cache.js';
import type { Config } from '../config.js';
import { credentialsKey, type Credentials } from '../credentials.js';
import { TablestoreClient } from '../tablestore/client.js';
import { Ledger } from './ledger.js';

export interface LedgerConfig {
  endpoint: string;
  instance: string;
  table: string;
  timeoutMs: number;
  leaseMs: number;
}

const cachedLedger = keyedCache(
  (o: LedgerConfig & { credentials: Credentials }) => `${o.endpoint}\n${o.instance}\n${o.table}\n${credentialsKey(o.credentials)}`,
  (o: LedgerConfig & { credentials: Credentials }) =>
    new Ledger({
      client: new TablestoreClient({ endpoint: o.endpoint, instance: o.instance, credentials: o.credentials, timeoutMs: o.timeoutMs }),
      table: o.table,
      leaseMs: o.leaseMs,
    }),
);

/** The ledger, or undefined when the deployment has none configured (workers then rely on SAG alone). */
export function ledgerFor(ctx: { config: Pick<Config, 'ledger'>; credentials: Credentials }): Ledger | undefined {
  const c = ctx.config.ledger;
  return c ? cachedLedger({ ...c, credentials: ctx.credentials }) : undefined;
}
