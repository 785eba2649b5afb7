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

/** A client of the configured ledger's Tablestore instance (`timeoutMs` defaults to TABLESTORE_TIMEOUT_MS). */
export function ledgerClient(c: LedgerConfig, credentials: Credentials, timeoutMs = c.timeoutMs): TablestoreClient {
  return new TablestoreClient({ endpoint: c.endpoint, instance: c.instance, credentials, timeoutMs });
}

/** The configured ledger, with these credentials (tools; workers use {@link ledgerFor}, cached per credential set). */
export function configuredLedger(c: LedgerConfig, credentials: Credentials, timeoutMs = c.timeoutMs): Ledger {
  return new Ledger({ client: ledgerClient(c, credentials, timeoutMs), table: c.table, leaseMs: c.leaseMs });
}

const cachedLedger = keyedCache(
  (o: LedgerConfig & { credentials: Credentials }) => `${o.endpoint}\n${o.instance}\n${o.table}\n${credentialsKey(o.credentials)}`,
  (o: LedgerConfig & { credentials: Credentials }) => configuredLedger(o, o.credentials),
);

/** The ledger, or undefined when the deployment has none configured (workers then rely on SAG alone). */
export function ledgerFor(ctx: { config: Pick<Config, 'ledger'>; credentials: Credentials }): Ledger | undefined {
  const c = ctx.config.ledger;
  return c ? cachedLedger({ ...c, credentials: ctx.credentials }) : undefined;
}
