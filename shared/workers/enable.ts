/**
 * Enabling an account that a leave disabled: the rehire of a join, and a transfer newer than the leave that roamed
 * (or found) a disabled copy on its target. EnableSmartAccessGatewayUser takes no idempotency token and is
 * idempotent in effect; a refused or lost answer is decided by Describe (State 0 → enabled).
 */
import type { SagClient, SagUser } from '../sag/client.js';
import { asWorkerError, settle } from '../sag/outcome.js';
import type { SitePlace } from '../ledger/accounts.js';

/** The result of {@link enableAccount}: whether it called Enable, and the RequestId of the deciding answer. */
export interface Enabled {
  changed: boolean;
  requestId?: string;
}

/**
 * Makes `userName` enabled on `place`. `known` is the account as a Describe just listed it (saves one Describe);
 * without it, Describe first. An account that is not there is left to the caller (`changed: false`).
 * @example
 * ```ts
 * const r = await enableAccount(sag, event.to, 'ann.lee@example.com'); // { changed: true, requestId: '…' } if it was disabled
 * ```
 */
export async function enableAccount(sag: SagClient, place: Pick<SitePlace, 'regionId' | 'smartAGId'>, userName: string, known?: SagUser): Promise<Enabled> {
  const { regionId, smartAGId } = place;
  let user = known;
  if (!user) {
    const found = await settle(() => sag.findUser(regionId, smartAGId, userName));
    if (!found.ok) throw asWorkerError(found.error);
    user = found.value.user;
    if (user?.state !== 1) return { changed: false, requestId: found.value.requestId };
  }
  if (user.state !== 1) return { changed: false };
  const enabled = await settle(() => sag.call('EnableSmartAccessGatewayUser', { RegionId: regionId, SmartAGId: smartAGId, UserName: userName }));
  if (enabled.ok) return { changed: true, requestId: enabled.value.RequestId };
  if (enabled.error.kind === 'transient') throw asWorkerError(enabled.error);
  const now = await settle(() => sag.findUser(regionId, smartAGId, userName));
  if (!now.ok) throw asWorkerError(now.error);
  if (now.value.user?.state === 0) return { changed: true, requestId: now.value.requestId };
  throw asWorkerError(enabled.error);
}
