/**
 * `hr-sag-sync sign [--source generic|feishu|dingtalk|wecom] [--url URL] [--handshake] [--type join|transfer|leave]
 * [--employee E1001] [--email a@b.c] [--office Shanghai] [--from Shanghai] [--to Hangzhou] [--secret whsec_…]`:
 * prints a curl command carrying a freshly signed request (scripts/sign.ts). The default URL is the local webhook
 * (`WEBHOOK_PORT`, as `npm start`); `--url` points it at a deployed one.
 */
import { Option, type Command } from 'commander';
import { curlOf, SIGN_SOURCES, signedCall, type SignedCall, type SignOptions } from '../../scripts/sign.js';
import { withOutputFlags, type CommonFlags } from '../common-options.js';
import type { CommandContext } from '../context.js';
import { printJson, println } from '../io.js';
import { localTarget } from '../target.js';

/** `sign --json`: the request, and the same as a curl command. */
export type SignReport = { schema: 'hr-sag-sync.cli.sign/1'; curl: string } & SignedCall;

function sign(ctx: CommandContext, flags: CommonFlags & Partial<SignOptions>): void {
  const o = { ...flags, url: flags.url ?? (localTarget(ctx.io.env).webhookUrl as string) } as SignOptions;
  const call = signedCall(o, ctx.io.env);
  const curl = curlOf(call);
  if (flags.json) printJson(ctx.io, { schema: 'hr-sag-sync.cli.sign/1', ...call, curl } satisfies SignReport);
  else println(ctx.io, curl);
}

export function register(parent: Command, ctx: CommandContext): void {
  const cmd = parent.command('sign').description('print a signed HR request as a curl command (local stack by default, or --url)');
  withOutputFlags(cmd)
    .addOption(new Option('--source <source>', 'HR source').choices(SIGN_SOURCES).default('generic'))
    .option('--url <url>', 'webhook base URL (default: the local stack, http://127.0.0.1:$WEBHOOK_PORT)')
    .option('--secret <whsec>', 'generic source secret (default: HR_WEBHOOK_SECRET, else the local one)')
    .option('--handshake', "the platform's URL check instead of an event (feishu, dingtalk, wecom)")
    .addOption(new Option('--type <type>', 'generic event type').choices(['join', 'transfer', 'leave']).default('join'))
    .option('--employee <id>', 'employee id (DingTalk/WeCom: a user id the HR system knows)', 'E1001')
    .option('--email <email>', 'employee email', 'ann.lee@example.com')
    .option('--office <office>', 'office of a join', 'Shanghai')
    .option('--from <office>', 'office before a transfer', 'Shanghai')
    .option('--to <office>', 'office after a transfer', 'Hangzhou')
    .action((flags: CommonFlags & Partial<SignOptions>) => sign(ctx, flags));
}
