/**
 * Redrive with the functions' own environment (MNS_ENDPOINT, MNS_ACCOUNT_ID, REGION, the queue names,
 * SITES_JSON/SITES_FILE, ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET), for code that has that environment at hand (the
 * end-to-end tests). Operators use `hr-sag-sync dlq redrive` (`npm run redrive` is its alias), which resolves the
 * target, credentials and public endpoints itself; both run shared/redrive.ts.
 */
import { createMnsClient, loadConfig, maskEmails, redriveDeadLetters, resolveCredentials, SiteDirectory } from '../shared/index.js';

export interface RedriveOptions {
  env: NodeJS.ProcessEnv;
  reason?: string;
  dryRun?: boolean;
  ratePerSecond?: number;
  max?: number;
  print?: (line: string) => void;
}

/** Redrives the dead-letter queue; `kept` counts the records left in it (not selected, or not redrivable). */
export async function redrive(o: RedriveOptions): Promise<{ resent: number; kept: number }> {
  const config = loadConfig(o.env);
  const client = createMnsClient({
    accountId: config.accountId ?? '',
    region: config.region,
    endpoint: config.mnsEndpoint,
    credentials: resolveCredentials(undefined, o.env),
  });
  const print = o.print ?? ((l: string) => console.log(l));
  const counts = await redriveDeadLetters({
    client,
    directory: SiteDirectory.fromEnv(o.env),
    queues: config.queues,
    dryRun: o.dryRun,
    ratePerSecond: o.ratePerSecond,
    max: o.max ?? 1000,
    select: o.reason ? (record) => (record as { reason?: string } | undefined)?.reason === o.reason : undefined,
    onRecord: (r) => {
      if (r.result === 'kept' || r.result === 'skipped') print(`keep    ${r.messageId}  ${maskEmails(r.note)}`);
      else print(`${r.result === 'would-resend' ? 'would resend' : 'resend'} ${r.messageId} → ${r.queues.join(', ')}  ${r.note}`);
    },
  });
  print(
    `${o.dryRun ? `dry run: would resend ${counts.resent}, would keep` : `${counts.resent} resent,`} ${counts.kept + counts.skipped}${o.dryRun ? '' : ' kept'}`,
  );
  return { resent: counts.resent, kept: counts.kept + counts.skipped };
}
