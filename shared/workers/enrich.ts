/**
 * The enrich worker: thin HR events (DingTalk, WeCom: a user id and a change) become canonical events.
 * 1. Fetch the user from the HR API (email, name, departments, work place).
 * 2. `created` → a join for the resolved site. `modified` → the previous site is read from SAG itself: the
 *    instances of the directory that already hold the user's account (Describe on each). No store is kept: SAG
 *    is the record of where the employee has an account.
 *    - already on the resolved site → nothing to do;
 *    - on another site → a transfer from there;
 *    - nowhere → a join for the resolved site (routing: only `to` resolves).
 * 3. Route like every other event (routing.ts) and send: join/transfer queue, or dead letter `site.unmapped`.
 * HR failures have their own reasons: `hr.user-not-found`, `hr.email-missing`, `hr.api-unavailable` (retried),
 * `hr.credentials-invalid`.
 *
 * Reads that can change under a decision (a join or transfer of the same employee may still be in flight):
 *
 * | decision | rests on | can change because | so |
 * | --- | --- | --- | --- |
 * | skipped: already on the resolved site | Describe on that site lists the user | — (accounts are only added) | stable |
 * | transfer from site X | Describe on X lists the user, the target does not (yet) | a transfer to the target lands meanwhile | the Roam answers UserExist and the transfer worker reconciles it as already done |
 * | join for the resolved site | no site lists the user | the employee's own join (the `created` event) is still queued | the join is idempotent, and it is for the site the HR system names now |
 * Every outcome converges, so no decision here is re-checked; a failed send to the next queue is a transient
 * failure (retried, re-enqueued), never a dead letter.
 */
import { PermanentError } from '../errors.js';
import { EnrichRequestSchema, type EnrichRequest } from '../events.js';
import { DingTalkDirectory, hrUserLocation, WeComDirectory, type HrDirectoryClient } from '../hr/hr-api.js';
import { routeEvent, type InboundEvent, type RoutedAction } from '../routing.js';
import { ledgerFor } from '../ledger/for-context.js';
import { ledgerKey } from '../ledger/record.js';
import { entryFor } from '../ledger/step.js';
import { SiteDirectory, type Location } from '../sites.js';
import { userNameFor } from '../user-name.js';
import type { Outcome, WorkerContext, WorkerDefinition } from '../worker-runtime.js';
import { asWorkerError, settle } from '../sag/outcome.js';
import { sagFor } from '../sag/for-context.js';

export interface EnrichDeps {
  directory: SiteDirectory;
  hr: Partial<Record<'dingtalk' | 'wecom', HrDirectoryClient>>;
}

export const ENRICH_FUNCTION = 'enrich-worker';

export async function enrich(event: EnrichRequest, ctx: WorkerContext<EnrichDeps>): Promise<Outcome> {
  const client = ctx.deps.hr[event.source];
  if (!client) throw new PermanentError('hr.source-disabled', `${event.source} is not configured in this function`);
  const user = await client.getUser(event.employee.id);
  if (!user.email) throw new PermanentError('hr.email-missing', `${event.source} user ${event.employee.id} has no email; a SAG account needs one`);
  const employee = { id: user.userId, email: user.email, name: user.name };
  const location: Location = hrUserLocation(user);
  const base = { source: event.source, sourceEventId: event.id, occurredAt: event.occurredAt, employee };
  const { directory } = ctx.deps;

  let inbound: InboundEvent;
  if (event.change === 'created') {
    inbound = { kind: 'joined', ...base, location };
  } else {
    const target = directory.resolve(location);
    const sag = sagFor(ctx);
    const holding: string[] = [];
    for (const site of directory.sites) {
      const found = await settle(() => sag.findUser(site.regionId, site.smartAGId, userNameFor(site.userNamePolicy, employee)));
      if (!found.ok) throw asWorkerError(found.error);
      if (found.value.user) holding.push(site.id);
    }
    if (target && holding.includes(target.id)) return { status: 'skipped', detail: `already on site ${target.id}` };
    const from = holding.find((id) => id !== target?.id);
    inbound = { kind: 'transferred', ...base, from: from ? { site: from } : {}, to: location };
  }

  const outcome = await sendRouted(routeEvent(inbound, directory, ctx.config.queues, ENRICH_FUNCTION), ctx);
  await noteInLedger(event, outcome, ctx);
  return outcome;
}

async function sendRouted(routed: RoutedAction, ctx: WorkerContext<EnrichDeps>): Promise<Outcome> {
  if (routed.kind === 'noop') return { status: 'skipped', detail: routed.reason };
  if (routed.kind === 'dead-letter') {
    await ctx.queue.send(routed.queue, routed.record);
    return { status: 'done', detail: `dead-lettered: ${routed.record.reason}` };
  }
  await ctx.queue.send(routed.queue, routed.message);
  return { status: 'done', detail: `routed ${routed.type} ${routed.message.event.id} to ${routed.queue}` };
}

/**
 * A thin event changes id when it is enriched (the routed event is a new canonical event): the employee's history
 * records the link, so "what happened to this DingTalk/WeCom user" can be followed from the HR event on. The
 * enrich worker does not claim the record: ordering applies to the routed event, in its own worker.
 */
async function noteInLedger(event: EnrichRequest, outcome: Outcome, ctx: WorkerContext<EnrichDeps>): Promise<void> {
  const detail = outcome.status === 'defer' ? outcome.message : outcome.detail;
  await ledgerFor(ctx)?.note(
    ledgerKey(event.source, event.employee.id),
    entryFor({ ...event, employee: { id: event.employee.id } }, outcome.status === 'skipped' ? 'skipped' : 'enriched', { reason: detail }),
  );
}

export const enrichWorker: WorkerDefinition<EnrichRequest, EnrichDeps> = {
  name: ENRICH_FUNCTION,
  action: 'enrich',
  queue: (c) => c.queues.enrich,
  schema: EnrichRequestSchema,
  setup(config, env) {
    const { dingtalk, wecom } = config.sources;
    return {
      directory: SiteDirectory.fromEnv(env),
      hr: {
        dingtalk: dingtalk
          ? new DingTalkDirectory({ endpoint: dingtalk.apiEndpoint, appKey: dingtalk.appKey, appSecret: dingtalk.appSecret }, config.hrApiTimeoutMs)
          : undefined,
        wecom: wecom
          ? new WeComDirectory({ endpoint: wecom.apiEndpoint, corpId: wecom.corpId, corpSecret: wecom.corpSecret }, config.hrApiTimeoutMs)
          : undefined,
      },
    };
  },
  handle: enrich,
};
