/** What every command's action receives: where to write, and where to leave its exit code. */
import type { ExitCode } from './exit-codes.js';
import type { Io } from './io.js';

export interface CommandContext {
  io: Io;
  /** The process's exit code once the action returns (see exit-codes.ts). */
  exitCode: ExitCode;
}
