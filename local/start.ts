/**
 * `npm start`: the whole pipeline locally on its embedded emulators. Prints the endpoints, the local webhook
 * secret, and ready-to-paste signed sample commands; logs one JSON line per outcome. Ctrl-C stops it.
 *
 * Environment: WEBHOOK_PORT (8080), MNS_EMULATOR_PORT (9100), SAG_EMULATOR_PORT (9200), HR_EMULATOR_PORT (9300), TABLESTORE_EMULATOR_PORT (9400), HOST (127.0.0.1),
 * SITES_FILE (config/sites.sample.json), and any function variable (RETRY_*, WORKER_CONCURRENCY, …).
 */
import { readFileSync } from 'node:fs';
import { dingTalkRequest, feishuRequest, feishuUserCreated, weComContactXml, weComRequest, weComUrlCheck } from './hr-samples.js';
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
    hrPort: Number(process.env.HR_EMULATOR_PORT ?? 9300),
    tablestorePort: Number(process.env.TABLESTORE_EMULATOR_PORT ?? 9400),
    sites: JSON.parse(readFileSync(sitesFile, 'utf8')),
    env: passThrough,
    log: (l) => console.log(JSON.stringify(l)),
  });
  const url = `${stack.webhookUrl}/webhooks/generic`;
  const hook = (source: string) => `${stack.webhookUrl}/webhooks/${source}`;
  stack.hr.dingtalk.addUser({ userid: 'dt-ann', name: 'Ding Ann', email: 'ding.ann@example.com', dept_id_list: [101], work_place: 'Shanghai' });
  stack.hr.wecom.addUser({ userid: 'wc-bob', name: 'Wei Bob', email: 'wei.bob@example.com', department: [102] });
  const feishuUser = { user_id: 'fs-carol', open_id: 'ou_carol', name: 'Fei Carol', email: 'fei.carol@example.com', city: 'Beijing', work_station: 'BJ-3F', department_ids: ['od-beijing'] };
  const line = '-'.repeat(100);
  console.log(`${line}
hr-sag-sync local stack is up (sites from ${sitesFile})

  webhook          ${url}      (POST, Standard Webhooks signature)
  webhook secret   ${LOCAL_WEBHOOK_SECRET}
  HR sources       ${hook('feishu')}  ${hook('dingtalk')}  ${hook('wecom')}
  HR API emulator  ${stack.hr.url}   (DingTalk and WeCom user APIs: dt-ann, wc-bob)
  MNS emulator     ${stack.mns.url}   account ${stack.env.MNS_ACCOUNT_ID}, key ${LOCAL_CREDENTIALS.accessKeyId} / ${LOCAL_CREDENTIALS.accessKeySecret}
  SAG emulator     ${stack.sag.url}   key ${LOCAL_CREDENTIALS.accessKeyId} / ${LOCAL_CREDENTIALS.accessKeySecret}
  Tablestore       ${stack.tablestore.url}   instance ${stack.tablestore.instanceName}, state: curl -s ${stack.tablestore.url}/__admin/state
  SAG users        curl -s ${stack.sag.url}/__admin/state
  queues           curl -s ${stack.mns.url}/__admin/state

A signed join (Ann Lee joins in Shanghai). Signatures are valid for 5 minutes: \`npm run sign\` makes fresh ones.

${toCurl(signedGenericRequest(url, LOCAL_WEBHOOK_SECRET, sampleJoin()))}

Then a signed transfer (Shanghai → Hangzhou):

${toCurl(signedGenericRequest(url, LOCAL_WEBHOOK_SECRET, sampleTransfer()))}

Feishu (encrypted, signed): Carol joins in Beijing

${toCurl(feishuRequest(hook('feishu'), feishuUserCreated(feishuUser)))}

DingTalk (encrypted, signed; thin event enriched from the HR API emulator): dt-ann joins

${toCurl(dingTalkRequest(hook('dingtalk'), { EventType: 'user_add_org', UserId: ['dt-ann'], TimeStamp: String(Date.now()) }))}

WeCom (encrypted XML, signed): wc-bob joins; and the GET URL check

${toCurl(weComRequest(hook('wecom'), weComContactXml('create_user', 'wc-bob')))}
curl -sS '${weComUrlCheck(hook('wecom'), 'hello-wecom')}'
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
