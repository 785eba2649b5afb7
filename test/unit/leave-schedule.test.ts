import { describe, expect, it } from 'vitest';
import { LEAVE_DELETE_HOP_MAX_SECONDS, MNS_MAX_DELAY_SECONDS } from '../../shared/limits.js';
import { QUEUE_ATTRIBUTES } from '../../deploy/setup.js';
import { deleteDueAt, nextHopSeconds } from '../../shared/workers/leave-schedule.js';

describe('the delete of a leaver', () => {
  it('is due at the start of the next calendar month in Asia/Shanghai, plus the grace days', () => {
    expect(deleteDueAt(new Date('2026-11-30T15:59:59Z'), 0).toISOString()).toBe('2026-11-30T16:00:00.000Z');
    expect(deleteDueAt(new Date('2026-11-30T16:00:00Z'), 0).toISOString()).toBe('2026-12-31T16:00:00.000Z');
    expect(deleteDueAt(new Date('2026-12-15T03:00:00Z'), 0).toISOString()).toBe('2026-12-31T16:00:00.000Z');
    expect(deleteDueAt(new Date('2027-01-31T12:00:00Z'), 3).toISOString()).toBe('2027-02-03T16:00:00.000Z');
  });

  it("is scheduled in hops that end within the leave queue's retention (MNS deletes a message at retention, delayed or not)", () => {
    const now = new Date('2026-11-01T00:00:00Z');
    expect(nextHopSeconds(now, new Date('2026-11-30T16:00:00Z'))).toBe(LEAVE_DELETE_HOP_MAX_SECONDS);
    // A day to spare: the hop ends, and the step is received, before the queue drops it.
    expect(LEAVE_DELETE_HOP_MAX_SECONDS + 86_400).toBeLessThanOrEqual(QUEUE_ATTRIBUTES.leave.MessageRetentionPeriod);
    expect(LEAVE_DELETE_HOP_MAX_SECONDS).toBeLessThanOrEqual(MNS_MAX_DELAY_SECONDS);
    expect(nextHopSeconds(now, new Date('2026-11-01T00:01:00Z'))).toBe(60);
    expect(nextHopSeconds(now, new Date('2026-10-31T00:00:00Z'))).toBe(0);
  });
});
