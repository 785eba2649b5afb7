import { describe, expect, it } from 'vitest';
import { DEFAULT_QUEUE_NAMES } from '../../shared/config.js';
import { deadLetter } from '../../shared/mns/dead-letter.js';
import { redriveAction } from '../../shared/redrive.js';
import { SiteDirectory } from '../../shared/sites.js';

const dir = SiteDirectory.parse({ sites: [{ id: 'sh', regionId: 'cn-shanghai', smartAGId: 'sag-sh1', bandwidthKbps: 2000, offices: ['Shanghai'] }] });
const site = { id: 'sh', regionId: 'cn-shanghai', smartAGId: 'sag-sh1', bandwidthKbps: 2000, userNamePolicy: 'email' as const };
const event = {
  schemaVersion: 1 as const,
  id: `evt_${'a'.repeat(32)}`,
  source: 'generic' as const,
  occurredAt: '2026-11-23T08:00:00Z',
  type: 'employee.joined' as const,
  employee: { id: 'E', email: 'e@example.com', name: 'E' },
  site,
};

describe('redriveAction', () => {
  it('resends a canonical event from our envelope to its queue, without the old delivery bookkeeping', () => {
    const a = redriveAction(
      deadLetter({ reason: 'sag.throttled', message: 'm', retryable: true, attempts: 9, function: 'join-worker', event }),
      dir,
      DEFAULT_QUEUE_NAMES,
    );
    expect(a).toEqual([{ kind: 'send', queue: 'hr-join', body: { event }, note: 'employee.joined to its queue' }]);
  });

  it('resends a leave and its delete step to the leave queue', () => {
    const left = {
      schemaVersion: 1 as const,
      id: event.id,
      source: 'generic' as const,
      occurredAt: event.occurredAt,
      type: 'employee.left' as const,
      employee: { id: 'E' },
    };
    const del = { ...left, type: 'employee.leave-delete' as const, dueAt: '2026-12-31T16:00:00Z' };
    for (const ev of [left, del]) {
      const a = redriveAction(
        deadLetter({ reason: 'sag.X', message: 'm', retryable: false, attempts: 1, function: 'leave-worker', event: ev }),
        dir,
        DEFAULT_QUEUE_NAMES,
      );
      expect(a).toEqual([{ kind: 'send', queue: 'hr-leave', body: { event: ev }, note: `${ev.type} to its queue` }]);
    }
  });

  it('resends each message of the trigger’s own dead letter (a CloudEvents array) to the queue in its subject', () => {
    const body = Buffer.from(JSON.stringify({ event })).toString('base64');
    const ce = { subject: 'acs:mns:cn-shanghai:123:queues/hr-join', data: { messageId: 'm', messageBody: body } };
    expect(redriveAction([ce], dir, DEFAULT_QUEUE_NAMES)).toEqual([
      { kind: 'send', queue: 'hr-join', body: { event }, note: 'trigger dead letter to its source queue' },
    ]);
    expect(redriveAction(ce, dir, DEFAULT_QUEUE_NAMES)).toHaveLength(1);
  });

  it('keeps what it cannot redrive', () => {
    expect(redriveAction({ hello: 1 }, dir, DEFAULT_QUEUE_NAMES)).toMatchObject({ kind: 'keep' });
    expect(
      redriveAction(
        deadLetter({ reason: 'message.invalid', message: 'm', retryable: false, attempts: 0, function: 'join-worker', raw: 'x' }),
        dir,
        DEFAULT_QUEUE_NAMES,
      ),
    ).toMatchObject({ kind: 'keep' });
    const unmapped = deadLetter({
      reason: 'site.unmapped',
      message: 'm',
      retryable: false,
      attempts: 0,
      function: 'webhook',
      event: {
        kind: 'joined',
        source: 'generic',
        sourceEventId: 's',
        occurredAt: '2026-11-23T08:00:00Z',
        employee: event.employee,
        location: { office: 'Mars' },
        eventId: 'evt_x',
      },
    });
    expect(redriveAction(unmapped, dir, DEFAULT_QUEUE_NAMES)).toEqual({ kind: 'keep', note: 'still maps to no site' });
  });
});
