/**
 * `npm start`: the whole pipeline locally on its embedded emulators. Prints the endpoints, the local webhook
 * secret, and ready-to-paste signed sample commands; logs one JSON line per outcome. Ctrl-C stops it.
 *
 * Environment: WEBHOOK_PORT (8080), MNS_EMULATOR_PORT (9100), SAG_EMULATOR_PORT (9200), HOST (127.0.0.1),
 * SITES_FILE (config/sites.sample.json), and any function variable (RETRY_*, WORKER_CONCURRENCY, …).
 */
import { readFileSync } from 'node:fs';
import { sampleJoin, sampleTransfer, signedGenericRequest, toCurl } from './sample.js';
import { LOCAL_CREDENTIALS, LOCAL_WEBHOOK_SECRET, startStack } from './stack.js';

async function main(): Promise<void> {
  const host = process.env.HOST ?? '127.0.0.1';
  const sitesFile = process.env.SITES_FILE ?? 'config/sites.sample.json';
  const passThrough = Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(RETRY_|WORKER_|SAG_MAX|SAG_TIMEOUT|LOG_LEVEL)/.test(k)) as Array<[string, string]>);
  const stack = await startStack({
    host,
    webhookPort: Number(process.env.WEBHOOK_PORT ?? 8080),
    mnsPort: Number(process.env.MNS_EMULATOR_PORT ?? 9100),
    sagPort: Number(process.env.SAG_EMULATOR_PORT ?? 9200),
    sites: JSON.parse(readFileSync(sitesFile, 'utf8')),
    env: passThrough,
    log: (l) => console.log(JSON.stringify(l)),
  });
  const url = `${stack.webhookUrl}/webhooks/generic`;
  const line = '-'.repeat(100);
  console.log(`${line}
hr-sag-sync local stack is up (sites from ${sitesFile})

  webhook          ${url}      (POST, Standard Webhooks signature)
  webhook secret   ${LOCAL_WEBHOOK_SECRET}
  MNS emulator     ${stack.mns.url}   account ${stack.env.MNS_ACCOUNT_ID}, key ${LOCAL_CREDENTIALS.accessKeyId} / ${LOCAL_CREDENTIALS.accessKeySecret}
  SAG emulator     ${stack.sag.url}   key ${LOCAL_CREDENTIALS.accessKeyId} / ${LOCAL_CREDENTIALS.accessKeySecret}
  SAG users        curl -s ${stack.sag.url}/__admin/state
  queues           curl -s ${stack.mns.url}/__admin/state

A signed join (Ann Lee joins in Shanghai). Signatures are valid for 5 minutes: \`npm run sign\` makes fresh ones.

${toCurl(signedGenericRequest(url, LOCAL_WEBHOOK_SECRET, sampleJoin()))}

Then a signed transfer (Shanghai → Hangzhou):

${toCurl(signedGenericRequest(url, LOCAL_WEBHOOK_SECRET, sampleTransfer()))}
${line}`);
  const stop = async () => {
    console.log('stopping…');
    await stack.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
