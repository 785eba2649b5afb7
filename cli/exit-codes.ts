/**
 * Exit codes of `hr-sag-sync`, the same for every command:
 *
 * | code | meaning |
 * | --- | --- |
 * | 0 | all well |
 * | 1 | findings: dead letters exist, a doctor check failed, a redrive kept records, a call failed |
 * | 2 | usage error: unknown command or flag, bad value, missing `--yes`, no credentials |
 */
export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A usage error found after parsing (a bad value, a missing confirmation): exit 2 with this message. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
