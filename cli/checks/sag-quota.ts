/**
 * An instance's client-account quota. DescribeSmartAccessGatewayAttribute answers `UserCount`, documented as "the
 * number of client accounts for the Smart Access Gateway instance"
 * (https://www.alibabacloud.com/help/en/sag/developer-reference/api-smartag-2018-03-13-describesmartaccessgatewayattribute):
 * it is read as the purchased number (an app instance is bought for 1–2,000 client accounts), while the accounts
 * in use are DescribeSmartAccessGatewayClientUsers' `TotalCount`. Which of the two `UserCount` is, is not stated
 * anywhere: should it be the number in use, the check reports the instance as full exactly when every account
 * slot is used or the numbers agree, and the detail prints both numbers so an operator can tell. When the call is
 * refused (e.g. an older read-only policy without the action), the quota is reported as not readable and the
 * check stays on the accounts in use alone.
 */
import { type Check, fail, pass } from './check.js';
import { SagCallError, type SagClient, type SiteEntry } from '../../shared/index.js';

export async function quotaOf(sag: SagClient, site: SiteEntry): Promise<{ quota?: number; note?: string }> {
  try {
    const res = await sag.call<{ UserCount?: number | string }>('DescribeSmartAccessGatewayAttribute', { RegionId: site.regionId, SmartAGId: site.smartAGId });
    const quota = Number(res.UserCount);
    return Number.isFinite(quota) && quota > 0 ? { quota } : { note: 'UserCount not answered' };
  } catch (err) {
    return { note: err instanceof SagCallError ? err.sagCode : 'call failed' };
  }
}

/** The check of one instance: it exists (the caller's Describe answered) and has account slots left. */
export function instanceCheck(site: SiteEntry, used: number, q: { quota?: number; note?: string }): Check {
  const name = `sag-instance:${site.id}`;
  const where = `${site.smartAGId} in ${site.regionId}`;
  if (q.quota === undefined) return pass(name, `${where}: ${used} client account(s); quota not readable (${q.note})`);
  if (used >= q.quota)
    return fail(
      name,
      `${where}: ${used} of ${q.quota} client accounts used, none left (UserCount ${q.quota})`,
      `raise the client-account quota of ${site.smartAGId} (SAG console: upgrade the app instance), or delete leavers' disabled accounts`,
    );
  return pass(name, `${where}: ${used} of ${q.quota} client accounts used`);
}
