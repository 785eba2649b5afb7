/** How applied events change the ledger record's accounts (the instances holding the employee's account). */
import type { AccountRef, AccountState, LedgerRecord } from './record.js';

/** Where an account lives: the site and its SAG instance. */
export interface SitePlace {
  id: string;
  regionId: string;
  smartAGId: string;
}

/** The accounts with `site`'s entry set to `state` (added when missing). */
export function withAccount(accounts: AccountRef[], site: SitePlace, state: AccountState): AccountRef[] {
  const entry: AccountRef = { site: site.id, regionId: site.regionId, smartAGId: site.smartAGId, state };
  const rest = accounts.filter((a) => a.smartAGId !== site.smartAGId);
  return [...rest, entry];
}

/** The record of an employee whose account exists and is enabled on `sites`, named `userName`. */
export function withEnabledAccounts(r: LedgerRecord, email: string, userName: string, sites: Array<SitePlace>): LedgerRecord {
  return { ...r, email, userName, accounts: sites.reduce((acc, s) => withAccount(acc, s, 'enabled'), r.accounts) };
}
