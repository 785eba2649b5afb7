/**
 * The actual state: every client user on every instance of the site directory (DescribeSmartAccessGatewayClientUsers,
 * paged, through the product's SagClient and so its pacer and breaker), and the ledger's records of one HR source
 * (a range read of the ledger table).
 *
 * Paging: {@link DESCRIBE_PAGE_SIZE} users a page. The current API reference gives PageSize a default of 10 and no
 * maximum; an older one gives 50 and a maximum of 100 (unverified which holds): 100 is within both readings. Pages
 * are read until one comes back short or TotalCount is reached. Accounts created or deleted while an instance is
 * being paged may be missed or seen twice (Describe pages by offset): a read whose pages disagree is repeated, a
 * duplicate is de-duplicated here, and what is still missed is planned by the next run.
 */
import { mapLimit } from '../concurrency.js';
import type { Ledger } from '../ledger/ledger.js';
import type { AccountRef } from '../ledger/record.js';
import type { SagClient } from '../sag/client.js';
import type { SiteDirectory, SiteEntry } from '../sites.js';

export const DESCRIBE_PAGE_SIZE = 100;
/**
 * Describe calls in flight at most: instances at once, and an instance's pages after the first (which gives the
 * total) at once. The pacer (rate and concurrency from SAG's answers) sets what actually goes out.
 */
const INSTANCES_AT_ONCE = 20;
const PAGES_AT_ONCE = 2;
/** Reads of one instance at most when accounts come and go while it is paged (see describeInstance). */
const READS_PER_INSTANCE = 3;

/** A client user on one of the directory's instances. */
export interface ActualAccount {
  site: SiteEntry;
  userName: string;
  userMail: string;
  state: 'enabled' | 'disabled';
}

/** What a reconcile keeps of a ledger record (the history is dropped). */
export interface ManagedRecord {
  employeeId: string;
  email?: string;
  userName?: string;
  accounts: AccountRef[];
  lastEventId?: string;
  lastEventAt?: string;
  lastEventType?: string;
}

export interface ActualState {
  accounts: ActualAccount[];
  /** The ledger's records of the roster's HR source, by HR id. */
  ledger: Map<string, ManagedRecord>;
  /** Describe calls made. */
  describeCalls: number;
}

export interface ActualProgress {
  /** Client users read so far, all instances together. */
  accounts: number;
  ledgerRows: number;
}

/**
 * Every client user of one instance: the first page gives the total, the rest are read a few at a time; a page
 * that comes back full beyond the total (users added meanwhile) is followed until a short one. Describe pages by
 * offset, so an account deleted while the pages are read (a leaver's delete step coming due) shifts the later pages
 * and hides an account that exists. A read is stable when every page answered the same TotalCount and that many
 * distinct users were seen; an unstable read is repeated (at most {@link READS_PER_INSTANCE} reads in all) and the
 * reads are merged, the latest state of an account winning. What is still missed is planned by the next run.
 */
async function describeInstance(sag: SagClient, site: SiteEntry, onPage: (n: number) => void): Promise<{ accounts: ActualAccount[]; calls: number }> {
  const seen = new Map<string, ActualAccount>();
  let calls = 0;
  for (let reads = 1; ; reads++) {
    const totals = new Set<number>();
    const distinct = new Set<string>();
    const read = async (page: number): Promise<number> => {
      const { users, totalCount } = await sag.listUsers(site.regionId, site.smartAGId, page, DESCRIBE_PAGE_SIZE);
      calls++;
      totals.add(totalCount);
      for (const u of users) {
        distinct.add(u.userName);
        seen.set(u.userName, { site, userName: u.userName, userMail: u.userMail, state: u.state === 1 ? 'disabled' : 'enabled' });
      }
      if (reads === 1) onPage(users.length);
      return users.length < DESCRIBE_PAGE_SIZE ? 0 : totalCount;
    };
    const total = await read(1);
    const pages = Math.ceil(total / DESCRIBE_PAGE_SIZE);
    const counts = await mapLimit(
      Array.from({ length: Math.max(0, pages - 1) }, (_, i) => i + 2),
      PAGES_AT_ONCE,
      read,
    );
    // The last page came back full: the instance grew while it was read; go on until a short page.
    for (let page = pages + 1, full = pages > 1 ? counts[counts.length - 1] !== 0 : total > 0; full; page++) full = (await read(page)) !== 0;
    const stable = totals.size === 1 && distinct.size === [...totals][0];
    if (stable || reads >= READS_PER_INSTANCE) return { accounts: [...seen.values()], calls };
  }
}

/** The ledger key range of one HR source: `{source}:` up to (not including) `{source};`. */
export function sourceKeyRange(source: string): { start: string; end: string } {
  return { start: `${source}:`, end: `${source};` };
}

/**
 * Reads SAG and the ledger.
 * @example
 * ```ts
 * const actual = await readActual({ sag, ledger, directory, eventSource: 'feishu' });
 * actual.accounts.length; // every client user on the directory's instances
 * ```
 */
export async function readActual(deps: {
  sag: SagClient;
  ledger: Ledger;
  directory: SiteDirectory;
  /** The HR source whose ledger records are read (`{source}:{employeeId}` keys). */
  eventSource: string;
  onProgress?: (p: ActualProgress) => void;
}): Promise<ActualState> {
  const progress: ActualProgress = { accounts: 0, ledgerRows: 0 };
  const report = () => deps.onProgress?.({ ...progress });
  const range = sourceKeyRange(deps.eventSource);
  const prefix = range.start.length;
  const [described, records] = await Promise.all([
    mapLimit(deps.directory.sites, INSTANCES_AT_ONCE, (site) =>
      describeInstance(deps.sag, site, (n) => {
        progress.accounts += n;
        report();
      }),
    ),
    deps.ledger.scan(
      range.start,
      range.end,
      (r): ManagedRecord => ({
        employeeId: r.key.slice(prefix),
        email: r.email,
        userName: r.userName,
        accounts: r.accounts,
        lastEventId: r.lastEventId,
        lastEventAt: r.lastEventAt,
        lastEventType: r.lastEventType,
      }),
      (n) => {
        progress.ledgerRows += n;
        report();
      },
    ),
  ]);
  return {
    accounts: described.flatMap((d) => d.accounts),
    ledger: new Map(records.map((r) => [r.employeeId, r])),
    describeCalls: described.reduce((n, d) => n + d.calls, 0),
  };
}
