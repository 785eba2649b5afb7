/**
 * What the real service answers to the questions the code is built to handle either way (the SAG API pages leave
 * them open: https://www.alibabacloud.com/help/en/sag/developer-reference/api-smartag-2018-03-13-roamclientuser and
 * its neighbours). `smoke` probes them with safe calls on its own synthetic names and records the answers:
 *
 * | fact | probe | what the code does either way |
 * | --- | --- | --- |
 * | `roamMissingOrigin` | RoamClientUser of a name that exists nowhere, test site → second site | the transfer worker decides by Describe on the origin, never by this code |
 * | `describeUserNameFilter` | Describe with the synthetic user name less its last character | the SAG client filters by name, then matches exactly, walking pages |
 * | `deleteRefusal` | the cleanup's Delete (refused only for an account with traffic this billing cycle) | the leave worker decides by Describe after a Delete, never by the code |
 * | `retryAfter` | every throttled answer the smoke's own calls got | the pacer uses `x-acs-retry-after` when sent, its own schedule otherwise |
 */
import type { SmokeSag, ThrottleSeen } from './sag-watch.js';
import { SagCallError, type SiteEntry } from '../../shared/index.js';

export interface SmokeFacts {
  roamMissingOrigin?: { answer: 'refused' | 'accepted' | 'error'; code?: string; detail: string };
  describeUserNameFilter?: { answer: 'exact' | 'not-exact'; detail: string };
  deleteRefusal?: { answer: 'refused' | 'not-refused'; code?: string; detail: string };
  retryAfter?: { answer: 'sent' | 'not-sent' | 'not-observed'; detail: string };
}

/** Describe with a proper prefix of the user name: an exact filter lists nobody, a fuzzy one lists the user. */
export async function probeDescribeFilter(sag: SmokeSag, site: SiteEntry, userName: string): Promise<SmokeFacts['describeUserNameFilter']> {
  const prefix = userName.slice(0, -1);
  const listed = await sag.describe(site.regionId, site.smartAGId, prefix);
  const hit = listed.some((u) => u.UserName === userName);
  return hit
    ? { answer: 'not-exact', detail: `UserName=${prefix} (one character short) lists the account (${listed.length} user(s))` }
    : { answer: 'exact', detail: `UserName=${prefix} (one character short) lists ${listed.length} user(s), not the account` };
}

/**
 * Roams `userName`, a synthetic name the origin does not have. `ghosts` receives it should the roam be accepted,
 * for the cleanup.
 */
export async function probeRoamMissingOrigin(
  sag: SmokeSag,
  route: { from: SiteEntry; to: SiteEntry; userName: string },
  ghosts: Array<{ site: SiteEntry; userName: string }>,
): Promise<SmokeFacts['roamMissingOrigin']> {
  const { from, to, userName } = route;
  try {
    await sag.call('RoamClientUser', {
      RegionId: to.regionId,
      TargetSmartAGId: to.smartAGId,
      OriginRegionId: from.regionId,
      OriginSmartAGId: from.smartAGId,
      UserName: userName,
    });
    ghosts.push({ site: to, userName });
    return { answer: 'accepted', detail: `RoamClientUser of a name not on ${from.id} was accepted` };
  } catch (err) {
    if (!(err instanceof SagCallError)) return { answer: 'error', detail: String(err) };
    // A refused credential or permission says nothing about roaming: the probe itself failed.
    if (err.kind === 'systemic') throw err;
    return { answer: 'refused', code: err.sagCode, detail: `${err.sagCode} (HTTP ${err.httpStatus ?? '?'}): ${err.message}` };
  }
}

/** Whether throttled answers carried `x-acs-retry-after`, as far as this run saw any. */
export function retryAfterFact(t: ThrottleSeen): SmokeFacts['retryAfter'] {
  if (t.throttled === 0) return { answer: 'not-observed', detail: 'no call of this run was throttled' };
  const detail = `${t.withRetryAfter} of ${t.throttled} throttled answer(s) carried x-acs-retry-after`;
  return { answer: t.withRetryAfter > 0 ? 'sent' : 'not-sent', detail };
}
