/**
 * `doctor`'s ledger check (when TABLESTORE_INSTANCE configures a ledger): the table exists as `setup` makes it
 * (shared/ledger/table.ts: the primary key, TTL -1, one version) and answers a read (GetRow of a key no employee
 * has) with these credentials.
 */
import { OPERATOR_LEDGER_TIMEOUT_MS } from '../clients.js';
import type { Target } from '../target.js';
import { AUTH_CODE, CREDENTIALS_FIX, type Check, fail, message, pass } from './check.js';
import { configuredLedger, ensureLedgerTable, ledgerClient, ledgerKey, type Config } from '../../shared/index.js';

/** A key no HR source issues: its read proves the table answers. */
const PROBE_KEY = ledgerKey('generic', 'hr-sag-sync-doctor-probe');

/** The upstream code of a Tablestore or ledger failure. */
const codeOf = (err: unknown): string | undefined => (err as { code?: string }).code ?? (err as { details?: { upstreamCode?: string } }).details?.upstreamCode;

export async function ledgerChecks(target: Target, config: Config): Promise<Check[]> {
  const l = config.ledger;
  if (!l) return [];
  const name = `ledger:${l.table}`;
  try {
    const table = await ensureLedgerTable(ledgerClient(l, target.credentials, OPERATOR_LEDGER_TIMEOUT_MS), l.table, true);
    if (table.action === 'would-create') return [fail(name, `no table ${l.table} in instance ${l.instance}`, 'hr-sag-sync setup')];
    if (table.notes.length)
      return [
        fail(name, table.notes.join('; '), `set the table's TTL to -1 and max versions to 1 (Tablestore console), or use another LEDGER_TABLE and run setup`),
      ];
    await configuredLedger(l, target.credentials, OPERATOR_LEDGER_TIMEOUT_MS).read(PROBE_KEY);
    return [pass(name, `exists in ${l.instance} as setup makes it and answers a read`)];
  } catch (err) {
    const code = codeOf(err) ?? 'error';
    if (AUTH_CODE.test(code)) return [fail(name, `${code}: ${message(err).slice(0, 200)}`, CREDENTIALS_FIX)];
    if (/primary key/.test(message(err))) return [fail(name, message(err), 'set LEDGER_TABLE to another table and run hr-sag-sync setup')];
    return [fail(name, `${code}: ${message(err).slice(0, 200)}`, `check TABLESTORE_INSTANCE and that ${l.endpoint} is reachable (TABLESTORE_ENDPOINT)`)];
  }
}
