/**
 * The flags every command takes: `--json`, `--local` and the target's (`--profile`, `--region`, `--account-id`,
 * `--mns-endpoint`, `--sag-endpoint`). Declared per command, so each `--help` lists them.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { TargetFlags } from './target.js';

export interface CommonFlags extends TargetFlags {
  json?: boolean;
}

/** Adds `--json` and `--local` (all commands). */
export function withOutputFlags(cmd: Command): Command {
  return cmd
    .option('--json', 'print one JSON document (schema in cli/README.md) instead of text')
    .option('--local', 'target the local stack (`npm start`) on its default ports and keys');
}

/** Adds the output flags and the cloud target's flags. */
export function withTargetFlags(cmd: Command): Command {
  return withOutputFlags(cmd)
    .option('--profile <name>', 'aliyun CLI profile (~/.aliyun/config.json); default: ALIBABA_CLOUD_ACCESS_KEY_* variables, then the current profile')
    .option('--region <region>', 'region of the queues and SAG API (default: REGION, then the profile)')
    .option('--account-id <id>', 'account owning the queues (default: ALIBABA_CLOUD_ACCOUNT_ID, then STS GetCallerIdentity)')
    .addOption(new Option('--mns-endpoint <url>', 'MNS endpoint (default: the public https://{account}.mns.{region}.aliyuncs.com)'))
    .addOption(new Option('--sag-endpoint <url>', 'SAG API endpoint (default: https://smartag.{region}.aliyuncs.com)'));
}

/** A positive number flag (`--rate 50`). */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number above 0');
  return n;
}

/** A positive integer flag (`--max 1000`). */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a whole number above 0');
  return n;
}

const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** A duration flag: `90s`, `15m`, `2h`, `7d` → seconds. */
export function duration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)([smhd])$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('expected a duration such as 90s, 15m, 2h or 7d');
  return Number(m[1]) * (UNIT[m[2] as string] as number);
}
