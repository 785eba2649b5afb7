/**
 * `npm run redrive -- [--reason site.unmapped] [--dry-run] [--rate 10] [--max 1000]`
 * Moves dead letters back to their queues once their cause is fixed (shared/redrive.ts decides per record), at a
 * bounded rate, printing one line per record. Kept records (and, in a dry run, every record) are made visible
 * again in the dead-letter queue one second later, so a run can be repeated at once. Reads the same environment as the functions (MNS_ENDPOINT, MNS_ACCOUNT_ID, REGION, the queue
 * names, SITES_JSON/SITES_FILE) and ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../shared/config.js';
import { resolveCredentials } from '../shared/credentials.js';
import { mnsErrorCode } from '../shared/mns/errors.js';
import { createMnsClient, encodeMessage } from '../shared/mns/queue.js';
import { RateLimiter } from '../shared/rate-limiter.js';
import { redriveAction } from '../shared/redrive.js';
import { SiteDirectory } from '../shared/sites.js';
import { decodeMessageBody } from '../shared/mns/trigger-event.js';
import { maskEmails } from '../shared/logger.js';

export interface RedriveOptions {
  env: NodeJS.ProcessEnv;
  reason?: string;
  dryRun?: boolean;
  ratePerSecond?: number;
  max?: number;
  print?: (line: string) => void;
}

export async function redrive(o: RedriveOptions): Promise<{ resent: number; kept: number }> {
  const config = loadConfig(o.env);
  const directory = SiteDirectory.fromEnv(o.env);
  const creds = resolveCredentials(undefined, o.env);
  const client = createMnsClient({ accountId: config.accountId ?? '', region: config.region, endpoint: config.mnsEndpoint, credentials: creds });
  const limiter = new RateLimiter(o.ratePerSecond ?? 10);
  const print = o.print ?? ((l: string) => console.log(l));
  const seen = new Set<string>();
  let resent = 0;
  let kept = 0;
  while (resent + kept < (o.max ?? 1000)) {
    let batch: Array<{ MessageId: string; ReceiptHandle: string; MessageBody: string }>;
    try {
      batch = (await client.batchReceiveMessage(config.queues.deadLetter, 16, 1)).body ?? [];
    } catch (err) {
      if (mnsErrorCode(err) === 'MessageNotExist') break;
      throw err;
    }
    if (batch.length === 0) break;
    const release = (m: { ReceiptHandle: string }) => client.changeMessageVisibility(config.queues.deadLetter, m.ReceiptHandle, 1).catch(() => undefined);
    if (batch.every((m) => seen.has(m.MessageId))) {
      await Promise.all(batch.map(release));
      break;
    }
    for (const m of batch) {
      if (seen.has(m.MessageId)) {
        await release(m);
        continue;
      }
      seen.add(m.MessageId);
      let record: unknown;
      try {
        record = decodeMessageBody(m.MessageBody);
      } catch {
        record = undefined;
      }
      const reason = (record as { reason?: string } | undefined)?.reason;
      const action = o.reason && reason !== o.reason ? { kind: 'keep' as const, note: `reason ${reason} not selected` } : redriveAction(record, directory, config.queues);
      if (!Array.isArray(action)) {
        kept++;
        print(`keep    ${m.MessageId}  ${maskEmails(action.note)}`);
        await release(m);
        continue;
      }
      for (const a of action) {
        if (!o.dryRun) {
          await limiter.acquire();
          await client.sendMessage(a.queue, { MessageBody: encodeMessage(a.body) });
        }
        print(`${o.dryRun ? 'would ' : ''}resend ${m.MessageId} → ${a.queue}  ${a.note}`);
      }
      if (!o.dryRun) await client.deleteMessage(config.queues.deadLetter, m.ReceiptHandle);
      else await release(m);
      resent++;
    }
  }
  print(`${o.dryRun ? 'dry run: ' : ''}${resent} resent, ${kept} kept`);
  return { resent, kept };
}

if (process.argv[1]?.endsWith('redrive.ts')) {
  const { values } = parseArgs({ options: { reason: { type: 'string' }, 'dry-run': { type: 'boolean', default: false }, rate: { type: 'string', default: '10' }, max: { type: 'string', default: '1000' } } });
  redrive({ env: process.env, reason: values.reason, dryRun: values['dry-run'], ratePerSecond: Number(values.rate), max: Number(values.max) }).catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
