import { describe, expect, it } from 'vitest';
import type { EmployeeLeaveDelete } from '../../shared/events.js';
import { emptyRecord, type LedgerRecord } from '../../shared/ledger/record.js';
import { isDeleteDue, isOtherChain } from '../../shared/workers/leave-delete.js';
import { leaveEffect } from '../../shared/workers/leave.js';

const step = (dueAt: string, hopEndsAt?: string): EmployeeLeaveDelete => ({
  schemaVersion: 1,
  id: `evt_${'a'.repeat(32)}`,
  source: 'generic',
  occurredAt: '2026-12-01T08:00:00Z',
  type: 'employee.leave-delete',
  employee: { id: 'E1' },
  dueAt,
  hopEndsAt,
});

describe('isDeleteDue', () => {
  const due = '2026-12-31T16:00:00.000Z';
  it('is due once the clock reaches the due time', () => {
    expect(isDeleteDue(step(due), new Date('2026-12-31T15:59:59Z'))).toBe(false);
    expect(isDeleteDue(step(due), new Date(due))).toBe(true);
  });
  it('is due when it arrives from the hop that ended at the due time (shortened hops), not from an earlier one', () => {
    const early = new Date('2026-12-02T00:00:00Z');
    expect(isDeleteDue(step(due, due), early)).toBe(true);
    expect(isDeleteDue(step(due, '2026-12-08T00:00:00Z'), early)).toBe(false);
  });
});

describe('isOtherChain', () => {
  const rec = (chain?: string): LedgerRecord => ({
    ...emptyRecord('generic:E1'),
    ...(chain ? { deleteChain: { eventId: step('2026-12-31T16:00:00Z').id, chain, dueAt: '2026-12-31T16:00:00Z' } } : {}),
  });
  it('stops a step of another chain than the recorded one; a step without an id, or with no chain recorded, goes on', () => {
    const s = { ...step('2026-12-31T16:00:00Z'), chain: 'c1' };
    expect(isOtherChain(s, rec('c1'))).toBe(false);
    expect(isOtherChain(s, rec('c2'))).toBe(true);
    expect(isOtherChain(s, rec())).toBe(false);
    expect(isOtherChain(s, undefined)).toBe(false);
    expect(isOtherChain(step('2026-12-31T16:00:00Z'), rec('c2'))).toBe(false);
  });
});

describe('leaveEffect', () => {
  const base: LedgerRecord = {
    ...emptyRecord('generic:E1'),
    email: 'ann@example.com',
    accounts: [
      { site: 'sh', regionId: 'cn-shanghai', smartAGId: 'sag-sh', state: 'enabled' },
      { site: 'bj', regionId: 'cn-beijing', smartAGId: 'sag-bj', state: 'enabled' },
    ],
  };
  const left = { ...step('2026-12-31T16:00:00Z'), type: 'employee.left' as const };

  it('records what SAG showed: the accounts found disabled, the ones SAG no longer has as deleted, a new roamed copy added', () => {
    const outcome = {
      status: 'done' as const,
      accounts: [
        { site: 'sh', regionId: 'cn-shanghai', smartAGId: 'sag-sh', state: 'disabled' as const },
        { site: 'hz', regionId: 'cn-hangzhou', smartAGId: 'sag-hz', state: 'disabled' as const },
      ],
    };
    const r = leaveEffect(base, left, outcome);
    expect(Object.fromEntries(r.accounts.map((a) => [a.smartAGId, a.state]))).toEqual({ 'sag-sh': 'disabled', 'sag-hz': 'disabled', 'sag-bj': 'deleted' });
    expect(r.email).toBe('ann@example.com');
  });

  it('records the delete chain the leave scheduled, and keeps it when a step reports none', () => {
    const chain = { eventId: left.id, chain: 'c1', dueAt: '2026-12-31T16:00:00.000Z' };
    const seen = [{ site: 'sh', regionId: 'cn-shanghai', smartAGId: 'sag-sh', state: 'disabled' as const }];
    const r = leaveEffect(base, left, { status: 'done', accounts: seen, deleteChain: chain } as never);
    expect(r.deleteChain).toEqual(chain);
    expect(leaveEffect(r, left, { status: 'done', accounts: seen } as never).deleteChain).toEqual(chain);
  });

  it('leaves the record as it was when the step saw nothing (an unknown employee)', () => {
    expect(leaveEffect(base, left, { status: 'skipped', detail: 'leave.unknown-employee' })).toBe(base);
  });
});
