/**
 * `npm start`: the whole pipeline locally on its embedded emulators. Prints the endpoints, the functions' variables
 * in effect (secrets masked) and ready-to-paste signed sample commands on stderr; stdout carries only the JSON log
 * lines (one per outcome), so `npm start | jq` works. Ctrl-C stops it.
 *
 * Environment: WEBHOOK_PORT (8080), MNS_EMULATOR_PORT (9100), SAG_EMULATOR_PORT (9200), HR_EMULATOR_PORT (9300),
 * TABLESTORE_EMULATOR_PORT (9400), FC_EMULATOR_PORT (9500), HOST (127.0.0.1), SITES_FILE (config/sites.sample.json, re-read whenever it changes) or SITES_JSON, and every
 * function variable (HR_WEBHOOK_SECRET, FEISHU_*, DINGTALK_*, WECOM_*, the queue names, RETRY_*, …): each one set
 * is used, the local defaults fill in the rest (local/local-env.ts).
 */
import { dingTalkRequest, feishuRequest, feishuUserCreated, LOCAL_SOURCES, weComContactXml, weComRequest, weComUrlCheck } from './hr-samples.js';
import { describeEnv, pickFunctionEnv } from './local-env.js';
import { sampleJoin, sampleTransfer, signedGenericRequest, toCurl } from './sample.js';
import { LOCAL_CREDENTIALS, SAMPLE_SITES_FILE, startStack, type Stack, type StackOptions } from './stack.js';

/** SITES_JSON and SITES_FILE give the stack its directory (below); the functions get it as SITES_JSON from the stack. */
function withoutSites(env: Record<string, string>): Record<string, string> {
  const { SITES_JSON: _json, SITES_FILE: _file, ...rest } = env;
  return rest;
}

/** The stack's options from the environment `npm start` runs in. */
function startOptions(env: NodeJS.ProcessEnv): StackOptions {
  const sitesJson = env.SITES_JSON?.trim();
  return {
    host: env.HOST ?? '127.0.0.1',
    webhookPort: Number(env.WEBHOOK_PORT ?? 8080),
    mnsPort: Number(env.MNS_EMULATOR_PORT ?? 9100),
    sagPort: Number(env.SAG_EMULATOR_PORT ?? 9200),
    hrPort: Number(env.HR_EMULATOR_PORT ?? 9300),
    tablestorePort: Number(env.TABLESTORE_EMULATOR_PORT ?? 9400),
    fcPort: Number(env.FC_EMULATOR_PORT ?? 9500),
    ...(sitesJson ? { sites: JSON.parse(sitesJson) } : { sitesFile: env.SITES_FILE || SAMPLE_SITES_FILE }),
    // WORKER_INSTANCES: how many FC instances of each worker the stack emulates (local only).
    env: { ...withoutSites(pickFunctionEnv(env)), ...(env.WORKER_INSTANCES ? { WORKER_INSTANCES: env.WORKER_INSTANCES } : {}) },
    log: (l) => process.stdout.write(`${JSON.stringify(l)}\n`),
  };
}

/** The sample requests of each source, signed with the secrets in effect. */
function sourceSamples(stack: Stack): string {
  const s = Object.fromEntries(Object.keys(LOCAL_SOURCES).map((k) => [k, stack.env[k] ?? ''])) as Record<keyof typeof LOCAL_SOURCES, string>;
  const hook = (source: string) => `${stack.webhookUrl}/webhooks/${source}`;
  const generic = (stack.env.HR_WEBHOOK_SECRET ?? '').split(/\s+/)[0] as string;
  const feishuUser = {
    user_id: 'fs-carol',
    open_id: 'ou_carol',
    name: 'Fei Carol',
    email: 'fei.carol@example.com',
    city: 'Beijing',
    work_station: 'BJ-3F',
    department_ids: ['od-beijing'],
  };
  const out = [
    'A signed join (Ann Lee joins in Shanghai). Signatures are valid for 5 minutes: `npm run sign` makes fresh ones.',
    toCurl(signedGenericRequest(hook('generic'), generic, sampleJoin())),
    'Then a signed transfer (Shanghai → Hangzhou):',
    toCurl(signedGenericRequest(hook('generic'), generic, sampleTransfer())),
  ];
  if (s.FEISHU_ENCRYPT_KEY)
    out.push('Feishu (encrypted, signed): Carol joins in Beijing', toCurl(feishuRequest(hook('feishu'), feishuUserCreated(feishuUser, s), s)));
  if (s.DINGTALK_TOKEN) {
    const event = { EventType: 'user_add_org', UserId: ['dt-ann'], TimeStamp: String(Date.now()) };
    out.push('DingTalk (encrypted, signed; thin event enriched from the HR API emulator): dt-ann joins', toCurl(dingTalkRequest(hook('dingtalk'), event, s)));
  }
  if (s.WECOM_TOKEN) {
    out.push(
      'WeCom (encrypted XML, signed): wc-bob joins; and the GET URL check',
      toCurl(weComRequest(hook('wecom'), weComContactXml('create_user', 'wc-bob', s), s)),
    );
    out.push(`curl -sS '${weComUrlCheck(hook('wecom'), 'hello-wecom', s)}'`);
  }
  return out.join('\n\n');
}

/** The operator command that redrives this stack's `site.unmapped` dead letters (after a site is added to the directory). */
function redriveCommand(stack: Stack, sitesFile: string | undefined): string {
  const vars: Record<string, string> = sitesFile ? { SITES_FILE: sitesFile } : {};
  const port = new URL(stack.mns.url).port;
  if (port !== '9100') vars.MNS_EMULATOR_PORT = port;
  for (const k of ['JOIN_QUEUE', 'TRANSFER_QUEUE', 'ENRICH_QUEUE', 'DEAD_LETTER_QUEUE']) {
    if (stack.envInEffect.origins[k] === 'environment') vars[k] = stack.env[k] as string;
  }
  const shellWord = (v: string) => (/^[\w@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);
  const prefix = Object.entries(vars)
    .map(([k, v]) => `${k}=${shellWord(v)} `)
    .join('');
  return `${prefix}npx hr-sag-sync dlq redrive --local --reason site.unmapped`;
}

function banner(stack: Stack, sitesFile: string | undefined): string {
  const line = '-'.repeat(100);
  const key = `${LOCAL_CREDENTIALS.accessKeyId} / ${LOCAL_CREDENTIALS.accessKeySecret}`;
  const sites = sitesFile ? `${sitesFile} (re-read when it changes)` : 'SITES_JSON (fixed; use SITES_FILE to change it while running)';
  return `${line}
hr-sag-sync local stack is up (site directory: ${sites})

  webhook          ${stack.webhookUrl}/webhooks/generic   (POST, Standard Webhooks signature)
  HR sources       ${['feishu', 'dingtalk', 'wecom'].map((s) => `${stack.webhookUrl}/webhooks/${s}`).join('  ')}
  HR API emulator  ${stack.hr.url}   (DingTalk and WeCom user APIs: dt-ann, wc-bob; Feishu contacts: fs-cat)
  MNS emulator     ${stack.mns.url}   account ${stack.env.MNS_ACCOUNT_ID}, key ${key}
  SAG emulator     ${stack.sag.url}   key ${key}
  SAG users        curl -s ${stack.sag.url}/__admin/state
  Tablestore       ${stack.tablestore.url}   instance ${stack.tablestore.instanceName}: the employee ledger (rows: curl -s ${stack.tablestore.url}/__admin/state)
  FC (GetFunction) ${stack.fc.url}   the functions with the variables above (npx hr-sag-sync doctor --local --deployed)
  one employee     npx hr-sag-sync status --local E1001
  smoke test       npx hr-sag-sync smoke --local
  reconcile        npx hr-sag-sync reconcile --local --file config/roster.sample.csv --dry-run   (drop --dry-run to apply; backfill: the same without leaves)
  queues           curl -s ${stack.mns.url}/__admin/state
  redrive          ${redriveCommand(stack, sitesFile)}

The functions' variables in effect (set in your environment, else the local defaults):
${describeEnv(stack.envInEffect).join('\n')}

${sourceSamples(stack)}
${line}
`;
}

async function main(): Promise<void> {
  const options = startOptions(process.env);
  const stack = await startStack(options);
  stack.hr.dingtalk.addUser({ userid: 'dt-ann', name: 'Ding Ann', email: 'ding.ann@example.com', dept_id_list: [101], work_place: 'Shanghai' });
  stack.hr.wecom.addUser({ userid: 'wc-bob', name: 'Wei Bob', email: 'wei.bob@example.com', department: [102] });
  stack.hr.feishu.addUser({ user_id: 'fs-cat', name: 'Fei Cat', enterprise_email: 'fei.cat@example.com', work_station: 'Beijing' });
  process.stderr.write(banner(stack, options.sitesFile));
  const stop = async () => {
    process.stderr.write('stopping…\n');
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
