import { describe, expect, it } from 'vitest';
import { DEFAULT_QUEUE_NAMES } from '../../shared/config.js';
import { CanonicalEventSchema, EmployeeLeftSchema, eventId } from '../../shared/events.js';
import { routeEvent, type InboundEvent } from '../../shared/routing.js';
import { SiteDirectory } from '../../shared/sites.js';

const dir = SiteDirectory.parse({
  sites: [
    { id: 'sh', regionId: 'cn-shanghai', smartAGId: 'sag-sh1', bandwidthKbps: 2000, offices: ['Shanghai'] },
    { id: 'bj', regionId: 'cn-beijing', smartAGId: 'sag-bj1', bandwidthKbps: 500, offices: ['Beijing'] },
  ],
});
const employee = { id: 'E1', email: 'ann@example.com', name: 'Ann' };
const base = { source: 'generic' as const, sourceEventId: 'msg_1', occurredAt: '2026-11-23T08:00:00Z', employee };
const transfer = (from: object, to: object): InboundEvent => ({ kind: 'transferred', ...base, from, to });
const route = (e: InboundEvent) => routeEvent(e, dir, DEFAULT_QUEUE_NAMES, 'webhook');

describe('routeEvent', () => {
  it('enqueues a valid canonical join with a stable id and the site snapshot', () => {
    const r = route({ kind: 'joined', ...base, location: { office: 'shanghai' } });
    expect(r.kind).toBe('enqueue');
    if (r.kind !== 'enqueue') return;
    expect(r.queue).toBe('hr-join');
    expect(r.eventId).toBe(eventId('generic', 'msg_1'));
    expect(CanonicalEventSchema.safeParse(r.message.event).success).toBe(true);
    expect(r.message.event).toMatchObject({ type: 'employee.joined', site: { id: 'sh', smartAGId: 'sag-sh1', regionId: 'cn-shanghai', bandwidthKbps: 2000 } });
  });

  it('enqueues a leave on the leave queue, with or without the email (no site needed)', () => {
    for (const e of [{ id: 'E1', email: 'ann@example.com' }, { id: 'E1' }]) {
      const r = route({ kind: 'left', ...base, employee: e });
      expect(r.kind).toBe('enqueue');
      if (r.kind !== 'enqueue') return;
      expect(r.queue).toBe('hr-leave');
      expect(r.type).toBe('employee.left');
      expect(EmployeeLeftSchema.safeParse(r.message.event).success).toBe(true);
      expect(r.message.event).toMatchObject({ type: 'employee.left', occurredAt: base.occurredAt, employee: e });
    }
  });

  it('dead-letters an unmapped join with reason site.unmapped', () => {
    const r = route({ kind: 'joined', ...base, location: { office: 'Mars' } });
    expect(r.kind).toBe('dead-letter');
    if (r.kind === 'dead-letter') expect(r.record).toMatchObject({ reason: 'site.unmapped', retryable: false, function: 'webhook' });
  });

  it("carries the directory's transferPolicy on a transfer when it is move (absent means roam)", () => {
    const moving = SiteDirectory.parse({ transferPolicy: 'move', sites: dir.sites });
    const moved = routeEvent(transfer({ office: 'Shanghai' }, { office: 'Beijing' }), moving, DEFAULT_QUEUE_NAMES, 'webhook');
    expect(moved.kind === 'enqueue' && moved.message.event).toMatchObject({ type: 'employee.transferred', transferPolicy: 'move' });
    const roamed = route(transfer({ office: 'Shanghai' }, { office: 'Beijing' }));
    expect(roamed.kind === 'enqueue' && 'transferPolicy' in roamed.message.event).toBe(false);
  });

  it('follows the transfer decision table', () => {
    expect(route(transfer({ office: 'Shanghai' }, { site: 'sh' })).kind).toBe('noop');
    const t = route(transfer({ office: 'Shanghai' }, { office: 'Beijing' }));
    expect(t.kind === 'enqueue' && t.queue).toBe('hr-transfer');
    if (t.kind === 'enqueue') expect(t.message.event).toMatchObject({ type: 'employee.transferred', from: { id: 'sh' }, to: { id: 'bj' } });
    const j = route(transfer({ office: 'Mars' }, { office: 'Beijing' }));
    expect(j.kind === 'enqueue' && j.queue).toBe('hr-join');
    if (j.kind === 'enqueue') expect(j.message.event).toMatchObject({ type: 'employee.joined', site: { id: 'bj' } });
    const stay = route(transfer({ office: 'Beijing' }, { office: 'Mars' }));
    expect(stay.kind).toBe('noop');
    if (stay.kind === 'noop') expect(stay.reason).toMatch(/stays on bj/);
    const none = route(transfer({ office: 'Mars' }, { office: 'Venus' }));
    expect(none.kind === 'dead-letter' && none.record.reason).toBe('site.unmapped');
  });

  it('gives the same id to the same source event and different ids otherwise', () => {
    expect(eventId('generic', 'a')).toBe(eventId('generic', 'a'));
    expect(eventId('generic', 'a')).not.toBe(eventId('feishu', 'a'));
    expect(eventId('generic', 'a')).toMatch(/^evt_[0-9a-f]{32}$/);
  });
});
