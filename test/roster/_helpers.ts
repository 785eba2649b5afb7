/** Helpers of the roster reader tests. */
import { expect } from 'vitest';
import { RosterReadError } from '../../shared/roster/roster.js';

/** The RosterReadError `p` rejects with (fails the test if it resolves or rejects with something else). */
export async function rejectionOf(p: Promise<unknown>): Promise<RosterReadError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RosterReadError);
  return err as RosterReadError;
}
