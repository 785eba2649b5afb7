/**
 * The roster the scheduled reconcile reads, from the configuration (`RECONCILE_SOURCE`, `RECONCILE_FILE`). A
 * relative file is read from the function's code directory (`FC_FUNC_CODE_PATH`), like `SITES_FILE`.
 */
import { isAbsolute, join } from 'node:path';
import type { Config } from '../config.js';
import { ConfigError } from '../errors.js';
import { FileRosterReader } from '../roster/file.js';
import type { RosterReader, RosterSource } from '../roster/roster.js';

export function configuredRosterReader(config: Config, source: RosterSource, env: NodeJS.ProcessEnv = process.env): RosterReader {
  if (source !== 'file') throw new ConfigError(`RECONCILE_SOURCE=${source}: no roster reader for it in this build (use file)`);
  const file = config.reconcile.file;
  if (!file) throw new ConfigError('RECONCILE_SOURCE=file needs RECONCILE_FILE (the roster file)');
  return new FileRosterReader(isAbsolute(file) ? file : join(env.FC_FUNC_CODE_PATH || process.cwd(), file));
}
