/** `hr-sag-sync dlq …`: the dead-letter queue (list, show, redrive, purge; one file each). */
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import * as list from './dlq-list.js';
import * as purge from './dlq-purge.js';
import * as redrive from './dlq-redrive.js';
import * as show from './dlq-show.js';

export function register(parent: Command, ctx: CommandContext): void {
  const dlq = parent.command('dlq').description('dead letters: list, show, redrive, purge');
  for (const c of [list, show, redrive, purge]) c.register(dlq, ctx);
}
