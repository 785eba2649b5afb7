/** The selection flags of `dlq list`, `dlq redrive` and `dlq purge`. */
import type { Command } from 'commander';
import { duration, type CommonFlags } from './common-options.js';
import type { Filters } from './dead-letters.js';

export interface FilterFlags extends CommonFlags {
  reason?: string;
  employee?: string;
  since?: number;
}

export function withFilterFlags(cmd: Command): Command {
  return cmd
    .option('--reason <reason>', 'only this reason (e.g. site.unmapped, sag.ClientUser.UserOverLimit)')
    .option('--employee <idOrEmail>', 'only this employee (employee id, or email)')
    .option('--since <age>', 'only dead letters whose last failure is at most this old (90s, 15m, 2h, 7d)', duration);
}

export const filtersOf = (f: FilterFlags): Filters => ({ reason: f.reason, employee: f.employee, sinceSeconds: f.since });
