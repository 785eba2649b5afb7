/**
 * Time from spawning a fresh `node` process to the webhook bundle's answer to its first request (a signed generic
 * join, enqueued on a local MNS emulator): cold start included, as the Feishu URL check (1 s) and DingTalk
 * (1.5 s) count it. Beside it, a bare `node -e ''` spawn measured in the same run (the platform's share).
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { startMnsEmulator } from '../emulators/mns/index.js';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS } from '../local/stack.js';
import { signedGenericRequest } from '../local/sample.js';
import { fmt, summary } from './stats.js';
import MNSClient from '@alicloud/mns/lib/client.js';

/** Async spawn: the emulator lives in this process and must keep serving while the child runs. */
function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', () => resolve({ stdout, stderr }));
  });
}

export async function firstAnswer(baseEnv: NodeJS.ProcessEnv, runs = Number(process.env.BENCH_RUNS ?? 15)): Promise<void> {
  const mns = await startMnsEmulator({ accountId: LOCAL_ACCOUNT_ID, credentials: [LOCAL_CREDENTIALS] });
  try {
    await new MNSClient(LOCAL_ACCOUNT_ID, { ...LOCAL_CREDENTIALS, endpoint: mns.url }).createQueue('hr-join');
    const env: NodeJS.ProcessEnv = {
      ...baseEnv,
      MNS_ENDPOINT: mns.url,
      MNS_ACCOUNT_ID: LOCAL_ACCOUNT_ID,
      ALIBABA_CLOUD_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: LOCAL_CREDENTIALS.accessKeySecret,
    };
    const secret = env.HR_WEBHOOK_SECRET as string;
    const bundle = resolve('dist/webhook/index.js');
    const total: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < runs; i++) {
      const req = signedGenericRequest('http://x/webhooks/generic', secret, {
        type: 'employee.joined',
        timestamp: new Date().toISOString(),
        data: { employeeId: `F${i}`, name: 'F', email: `f${i}@example.com`, office: 'Shanghai' },
      });
      const event = {
        version: 'v1',
        rawPath: '/webhooks/generic',
        body: req.body,
        isBase64Encoded: false,
        headers: req.headers,
        queryParameters: {},
        requestContext: { http: { method: 'POST', path: '/webhooks/generic' }, requestId: `r${i}` },
      };
      const code = `require(${JSON.stringify(bundle)}).handler(Buffer.from(${JSON.stringify(JSON.stringify(event))}),{}).then(r=>{process.stdout.write(String(r.statusCode))})`;
      const t0 = process.hrtime.bigint();
      const r = await run(['-e', code], env);
      total.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (!r.stdout.endsWith('202')) throw new Error(`first answer was ${r.stdout} ${r.stderr}`);
      const t1 = process.hrtime.bigint();
      await run(['-e', ''], env);
      bare.push(Number(process.hrtime.bigint() - t1) / 1e6);
    }
    const t = summary(total);
    const b = summary(bare);
    console.log(`\nwebhook, spawn → first 202 (signed join enqueued on the MNS emulator), ${runs} runs:`);
    console.log(
      `  p50 ${fmt(t.p50)} ms, p99 ${fmt(t.p99)} ms; bare node spawn p50 ${fmt(b.p50)} ms → the function's own share p50 ${fmt(t.p50 - b.p50)} ms (budget: 1000 ms)`,
    );
  } finally {
    await mns.close();
  }
}
