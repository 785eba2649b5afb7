/**
 * `npm run bench:webhook`: the receiver's own cost per source. For each source, N sequential requests go through
 * the webhook handler in-process (verify, decrypt, normalise, route, enqueue on the local MNS emulator with the
 * real SDK); beside them, a bare `SendMessage` of the same size through the same client, measured in the same run.
 * Printed: p50/p99 of each and the receiver's overhead over the bare send (target: ≤ 2 ms at p99).
 * Environment: BENCH_REQUESTS (500).
 */
import MNSClient from '@alicloud/mns/lib/client.js';
import { startMnsEmulator } from '../emulators/mns/index.js';
import { dingTalkRequest, feishuRequest, feishuUserCreated, LOCAL_SOURCES, weComContactXml, weComRequest } from '../local/hr-samples.js';
import { signedGenericRequest, type SignedRequest } from '../local/sample.js';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_WEBHOOK_SECRET } from '../local/stack.js';
import { setLogSink, encodeMessage, createWebhookHandler } from '../shared/index.js';
import { fmt, summary } from './stats.js';

const N = Number(process.env.BENCH_REQUESTS ?? 500);

function fcEvent(r: SignedRequest, path: string, method = 'POST'): Buffer {
  const u = new URL(r.url, 'http://h');
  return Buffer.from(
    JSON.stringify({
      version: 'v1',
      rawPath: path,
      body: Buffer.from(r.body).toString('base64'),
      isBase64Encoded: true,
      headers: r.headers,
      queryParameters: Object.fromEntries(u.searchParams),
      requestContext: { http: { method, path } },
    }),
  );
}

async function main(): Promise<void> {
  setLogSink(() => undefined);
  const mns = await startMnsEmulator({ accountId: LOCAL_ACCOUNT_ID, credentials: [LOCAL_CREDENTIALS] });
  const client = new MNSClient(LOCAL_ACCOUNT_ID, { ...LOCAL_CREDENTIALS, endpoint: mns.url });
  for (const q of ['hr-join', 'hr-transfer', 'hr-enrich', 'hr-dead-letter']) await client.createQueue(q);
  const sites = await (await import('node:fs/promises')).readFile('config/sites.sample.json', 'utf8');
  const handler = createWebhookHandler({
    env: {
      ...LOCAL_SOURCES,
      HR_WEBHOOK_SECRET: LOCAL_WEBHOOK_SECRET,
      SITES_JSON: sites,
      MNS_ENDPOINT: mns.url,
      MNS_ACCOUNT_ID: LOCAL_ACCOUNT_ID,
      ALIBABA_CLOUD_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: LOCAL_CREDENTIALS.accessKeySecret,
      LOG_LEVEL: 'error',
    },
  });
  const sources: Record<string, (i: number) => Buffer> = {
    generic: (i) =>
      fcEvent(
        signedGenericRequest('/webhooks/generic', LOCAL_WEBHOOK_SECRET, {
          type: 'employee.joined',
          timestamp: new Date().toISOString(),
          data: { employeeId: `G${i}`, name: 'G', email: `g${i}@example.com`, office: 'Shanghai' },
        }),
        '/webhooks/generic',
      ),
    feishu: (i) =>
      fcEvent(
        feishuRequest('/webhooks/feishu', feishuUserCreated({ user_id: `f${i}`, name: 'F', email: `f${i}@example.com`, city: 'Shanghai' })),
        '/webhooks/feishu',
      ),
    dingtalk: (i) =>
      fcEvent(dingTalkRequest('/webhooks/dingtalk', { EventType: 'user_add_org', UserId: [`d${i}`], TimeStamp: String(Date.now()) }), '/webhooks/dingtalk'),
    wecom: (i) => fcEvent(weComRequest('/webhooks/wecom', weComContactXml('create_user', `w${i}`)), '/webhooks/wecom'),
  };
  const sample = encodeMessage({ event: { pad: 'x'.repeat(600) } });
  const time = async (fn: () => Promise<unknown>) => {
    const t = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  // Warm up both paths (JIT, keep-alive sockets).
  for (let i = 0; i < 50; i++) {
    await client.sendMessage('hr-join', { MessageBody: sample });
    for (const make of Object.values(sources)) await handler(make(-i - 1), {});
  }
  console.log(`webhook receiver vs bare MNS SendMessage, ${N} sequential requests each, in-process, local MNS emulator`);
  console.log('path          p50 ms  p99 ms   bare p50  bare p99   overhead p50  overhead p99');
  for (const [name, make] of Object.entries(sources)) {
    const events = Array.from({ length: N }, (_, i) => make(i));
    const rec: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < N; i++) {
      // Interleaved, so that both see the same machine noise.
      rec.push(
        await time(async () => {
          const r = await handler(events[i], {});
          if (r.statusCode >= 300) throw new Error(`${name}: ${r.statusCode} ${r.body}`);
        }),
      );
      bare.push(await time(() => client.sendMessage('hr-join', { MessageBody: sample })));
    }
    const r = summary(rec);
    const b = summary(bare);
    console.log(
      `${name.padEnd(12)} ${fmt(r.p50, 2).padStart(7)} ${fmt(r.p99, 2).padStart(7)}   ${fmt(b.p50, 2).padStart(8)} ${fmt(b.p99, 2).padStart(9)}   ${fmt(r.p50 - b.p50, 2).padStart(12)} ${fmt(r.p99 - b.p99, 2).padStart(13)}`,
    );
  }
  await mns.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
