/**
 * The roster the scheduled reconcile reads, from the configuration (`RECONCILE_SOURCE`, `RECONCILE_FILE`), through
 * the one place that configures roster readers (shared/roster/for-config.ts). A relative file is read from the
 * function's code directory (`FC_FUNC_CODE_PATH`), like `SITES_FILE`.
 */
import type { Config } from '../config.js';
import { rosterReaderFor } from '../roster/for-config.js';
import type { RosterReader, RosterSource } from '../roster/roster.js';
import { codeDirectoryPath } from '../sites.js';

export function configuredRosterReader(config: Config, source: RosterSource, env: NodeJS.ProcessEnv = process.env): RosterReader {
  const file = config.reconcile.file;
  return rosterReaderFor(source, { config, file: file && codeDirectoryPath(file, env) });
}
