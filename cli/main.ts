/**
 * `hr-sag-sync`, the operator command: one program, one file per command under cli/commands/. A new command is a
 * file exporting `register(parent, ctx)` plus one line in {@link COMMANDS}.
 *
 * Conventions (cli/README.md): `--help` everywhere; unknown commands and flags are refused with a suggestion;
 * `--json` prints one JSON document; exit codes 0 / 1 (findings) / 2 (usage).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import * as backfill from './commands/backfill.js';
import * as dlq from './commands/dlq.js';
import * as doctor from './commands/doctor.js';
import * as queues from './commands/queues.js';
import * as reconcile from './commands/reconcile.js';
import * as setup from './commands/setup.js';
import * as sign from './commands/sign.js';
import * as smoke from './commands/smoke.js';
import * as status from './commands/status.js';
import type { CommandContext } from './context.js';
import { EXIT, UsageError } from './exit-codes.js';
import { colours, eprintln, paint, processIo, type Io } from './io.js';
import { ConfigError } from '../shared/index.js';

/** The commands, in the order `--help` lists them. */
const COMMANDS: Array<{ register(parent: Command, ctx: CommandContext): void }> = [status, dlq, queues, doctor, smoke, setup, sign, reconcile, backfill];

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The program, writing to `ctx.io` and throwing CommanderError instead of exiting. */
export function program(ctx: CommandContext): Command {
  const io = ctx.io;
  const root = new Command('hr-sag-sync')
    .description('Operate hr-sag-sync: dead letters, queues, checks, a smoke test, setup, signed test requests, reconcile and backfill.')
    .version(VERSION)
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      getOutHelpWidth: () => io.stdout.columns ?? 80,
      getErrHelpWidth: () => 80,
      getOutHasColors: () => colours(io, 'stdout'),
      getErrHasColors: () => colours(io, 'stderr'),
      outputError: (s, write) => write(paint(io, 'stderr', 'red', s)),
    })
    .addHelpText(
      'after',
      '\nExit codes: 0 all well, 1 findings (dead letters, a failed check), 2 usage error.\nEvery command takes --json and --local; see `hr-sag-sync <command> --help`.',
    );
  for (const c of COMMANDS) c.register(root, ctx);
  return root;
}

/** Runs the command line `argv` (without node and the script) and resolves to the exit code. */
export async function run(argv: string[], io: Io = processIo()): Promise<number> {
  const ctx: CommandContext = { io, exitCode: EXIT.ok };
  try {
    await program(ctx).parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof UsageError || err instanceof ConfigError) {
      eprintln(io, paint(io, 'stderr', 'red', `error: ${err.message}`));
      return EXIT.usage;
    }
    eprintln(io, paint(io, 'stderr', 'red', `error: ${err instanceof Error ? err.message : String(err)}`));
    return EXIT.findings;
  }
}
