/**
 * MNS emulator robustness: no request, however malformed, gets a 5xx other than an injected one (or the documented
 * 500 of a partly failed BatchSendMessage), none goes unanswered, none reaches the internal-error path, and the
 * emulator keeps serving. A fast-check property over method × path × query × headers × body, most requests signed
 * correctly so that they get past authentication into the operations.
 */
import http from 'node:http';
import MNSClient from '@alicloud/mns/lib/client.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mnsSignature, mnsStringToSign, startMnsEmulator, type MnsEmulator } from '../../emulators/mns/index.js';

const NS = 'http://mns.aliyuncs.com/doc/v1/';
const internalErrors: unknown[] = [];
let emu: MnsEmulator;
let mns: MNSClient;

beforeAll(async () => {
  emu = await startMnsEmulator({ seed: 11, onInternalError: (err) => internalErrors.push(err) });
  mns = new MNSClient(emu.accountId, { accessKeyId: emu.accessKeyId, accessKeySecret: emu.accessKeySecret, endpoint: emu.url });
});
afterAll(async () => {
  await emu.close();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

function request(method: string, path: string, headers: Record<string, string>, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer within 3 s: ${method} ${path}`));
    }, 3000);
    const req = http.request(
      { host: '127.0.0.1', port: emu.port, method, path, headers: { ...headers, 'content-length': String(body.length) }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
}

// ---- generators ------------------------------------------------------------------------------------------------
const printable = fc.string({ unit: 'grapheme-ascii', maxLength: 24 });
const xmlSafe = printable.map((s) => s.replace(/[<&]/g, ''));
const HEAD = '<?xml version="1.0" encoding="UTF-8"?>';

/** One generated request; HANDLE in path or body stands for a receipt handle the emulator gave out earlier. */
interface Req {
  method: string;
  path: string;
  body: string;
}

// -- operation-shaped requests (what the SDK sends), with values in and out of range
const queue = fc.oneof(
  { arbitrary: fc.constantFrom('rq', 'rq', 'rq2', 'rq-dlq'), weight: 8 },
  { arbitrary: fc.constantFrom('nope', '-bad', 'x'.repeat(121)), weight: 1 },
);
const messageBody = fc.oneof(
  { arbitrary: fc.constantFrom('aGVsbG8=', 'x', 'a&amp;b', '&#20013;'), weight: 4 },
  { arbitrary: fc.constantFrom('', 'y'.repeat(70_000)), weight: 1 },
  { arbitrary: xmlSafe, weight: 2 },
);
const sometimesBad = (good: string[], bad: string[]) =>
  fc.option(fc.oneof({ arbitrary: fc.constantFrom(...good), weight: 4 }, { arbitrary: fc.constantFrom(...bad), weight: 1 }), { freq: 2 });
const message = fc
  .record({ body: messageBody, delay: sometimesBad(['0', '1'], ['-1', '604801', 'soon']), priority: sometimesBad(['1', '8', '16'], ['0', '17', 'high']) })
  .map(
    ({ body: b, delay, priority }) =>
      `<MessageBody>${b}</MessageBody>${delay === null ? '' : `<DelaySeconds>${delay}</DelaySeconds>`}${priority === null ? '' : `<Priority>${priority}</Priority>`}`,
  );
// PollingWaitSeconds is never a real wait: a later receive without waitseconds would sit through it.
const attribute = fc
  .tuple(
    fc.constantFrom('DelaySeconds', 'MaximumMessageSize', 'MessageRetentionPeriod', 'VisibilityTimeout', 'PollingWaitSeconds', 'LoggingEnabled', 'Unknown'),
    fc.constantFrom('0', '1', '60', '1024', '65536', '604800', '-1', '43201', 'True', 'false', 'maybe', ''),
  )
  .filter(([k, v]) => k !== 'PollingWaitSeconds' || !['1', '60', '1024', '65536', '604800'].includes(v));
const queueDoc = fc.array(attribute, { maxLength: 4 }).map((as) => `${HEAD}<Queue xmlns="${NS}">${as.map(([k, v]) => `<${k}>${v}</${k}>`).join('')}</Queue>`);
const handle = fc.constantFrom('HANDLE', 'HANDLE', 'HANDLE', 'garbage', '', 'a+b/c==', 'HANDLEx');
const num = fc.constantFrom('1', '2', '16', '0', '17', '-1', 'abc', '');
const operation: fc.Arbitrary<Req> = fc.oneof(
  fc.tuple(queue, message).map(([q, m]) => ({ method: 'POST', path: `/queues/${q}/messages`, body: `${HEAD}<Message xmlns="${NS}">${m}</Message>` })),
  fc.tuple(queue, fc.array(message, { maxLength: 17 })).map(([q, ms]) => ({
    method: 'POST',
    path: `/queues/${q}/messages`,
    body: `${HEAD}<Messages xmlns="${NS}">${ms.map((m) => `<Message>${m}</Message>`).join('')}</Messages>`,
  })),
  fc.tuple(queue, fc.constantFrom('', '?waitseconds=0')).map(([q, w]) => ({ method: 'GET', path: `/queues/${q}/messages${w}`, body: '' })),
  fc.tuple(queue, num).map(([q, n]) => ({ method: 'GET', path: `/queues/${q}/messages?numOfMessages=${n}&waitseconds=0`, body: '' })),
  fc
    .tuple(queue, fc.option(num))
    .map(([q, n]) => ({ method: 'GET', path: `/queues/${q}/messages?peekonly=true${n === null ? '' : `&numOfMessages=${n}`}`, body: '' })),
  fc.tuple(queue, handle).map(([q, h]) => ({ method: 'DELETE', path: `/queues/${q}/messages?ReceiptHandle=${h}`, body: '' })),
  fc.tuple(queue, fc.array(handle, { maxLength: 17 })).map(([q, hs]) => ({
    method: 'DELETE',
    path: `/queues/${q}/messages`,
    body: `${HEAD}<ReceiptHandles xmlns="${NS}">${hs.map((h) => `<ReceiptHandle>${h}</ReceiptHandle>`).join('')}</ReceiptHandles>`,
  })),
  fc
    .tuple(queue, handle, fc.constantFrom('1', '30', '0', '43201', 'x', ''))
    .map(([q, h, v]) => ({ method: 'PUT', path: `/queues/${q}/messages?receiptHandle=${h}&visibilityTimeout=${v}`, body: '' })),
  fc.tuple(queue, queueDoc).map(([q, d]) => ({ method: 'PUT', path: `/queues/${q}`, body: d })),
  fc.tuple(queue, queueDoc).map(([q, d]) => ({ method: 'PUT', path: `/queues/${q}?metaoverride=true`, body: d })),
  queue.map((q) => ({ method: 'GET', path: `/queues/${q}`, body: '' })),
  queue.map((q) => ({ method: 'DELETE', path: `/queues/${q}`, body: '' })),
  fc.constant({ method: 'GET', path: '/queues', body: '' }),
);

// -- anything: methods, paths, queries and bodies mixed freely
const queryValue = fc.oneof(
  fc.constantFrom('HANDLE', '0', '1', '16', '17', '-1', 'true', 'false', 'abc', '', '43200', '43201', '%zz', '+', 'a+b', '%2B', '1.5'),
  printable.map(encodeURIComponent),
);
// waitseconds never names a real wait (0 or invalid): the property must not hold requests open.
const queryPair = fc.oneof(
  fc.tuple(
    fc.constantFrom('numOfMessages', 'peekonly', 'ReceiptHandle', 'receiptHandle', 'visibilityTimeout', 'VisibilityTimeout', 'metaoverride', 'x', ''),
    queryValue,
  ),
  fc.tuple(fc.constant('waitseconds'), fc.constantFrom('0', '31', '-1', 'abc', '')),
);
const query = fc.array(queryPair, { maxLength: 3 }).map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : ''));
const anyPath = fc.oneof(
  fc
    .tuple(fc.oneof(queue, printable.map(encodeURIComponent)), fc.constantFrom('', '/messages', '/messages/', '/messages/x', '/other'), query)
    .map(([q, rest, qs]) => `/queues/${q}${rest}${qs}`),
  fc.constantFrom('/queues', '/queues/', '/topics/t', '/', '/x', '//queues/rq', '/queues//messages', '/__admin/state', '/__admin/faults'),
);
const field = fc.tuple(
  fc.constantFrom('MessageBody', 'DelaySeconds', 'Priority', 'VisibilityTimeout', 'Message', 'ReceiptHandle', 'Unknown'),
  fc.oneof(fc.constantFrom('1', '8', '', 'HANDLE', '<', '&bogus;', ']]>', '<![CDATA[x]]>', '<a/>', '&lt;'), xmlSafe),
);
const randomXml = fc
  .tuple(fc.constantFrom('Message', 'Messages', 'Queue', 'ReceiptHandles', 'Errors', 'x'), fc.boolean(), fc.array(field, { maxLength: 18 }))
  .map(([root, ns, fs]) => `${HEAD}<${root}${ns ? ` xmlns="${NS}"` : ''}>${fs.map(([k, v]) => `<${k}>${v}</${k}>`).join('')}</${root}>`);
const anyBody = fc.oneof(
  fc.constant(''),
  randomXml,
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a).toString('latin1')),
);
const anyRequest: fc.Arbitrary<Req> = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'),
  path: anyPath,
  body: anyBody,
});

/** Mostly operations, sometimes cut short; otherwise anything. */
const requestShape = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .tuple(operation, fc.oneof({ arbitrary: fc.constant(null), weight: 8 }, { arbitrary: fc.nat({ max: 300 }), weight: 1 }))
      .map(([r, cut]) => (cut === null ? r : { ...r, body: r.body.slice(0, cut) })),
  },
  { weight: 2, arbitrary: anyRequest },
);

type AuthMode = 'valid' | 'wrong-secret' | 'unknown-key' | 'garbage' | 'none';
const extraHeaders = fc.array(
  fc.tuple(fc.constantFrom('x-mns-prefix', 'x-mns-marker', 'x-mns-ret-number', 'x-mns-foo', 'security-token', 'content-md5'), printable),
  { maxLength: 3 },
);
/** Mostly a valid envelope (signed, dated, versioned), otherwise anything. */
const headerSpec = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      auth: fc.constant<AuthMode>('valid'),
      date: fc.constant('now'),
      version: fc.constant('2015-06-06'),
      contentType: fc.constantFrom('text/xml', 'text/xml', ''),
      extra: extraHeaders,
      garbage: printable,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      auth: fc.constantFrom<AuthMode>('valid', 'wrong-secret', 'unknown-key', 'garbage', 'none'),
      date: fc.constantFrom('now', 'skewed', 'garbage', 'none'),
      version: fc.constantFrom('2015-06-06', '2099-01-01', ''),
      contentType: fc.constantFrom('text/xml', 'application/xml', 'application/json', ''),
      extra: extraHeaders,
      garbage: printable,
    }),
  },
);

function headersFor(method: string, resource: string, spec: typeof headerSpec extends fc.Arbitrary<infer T> ? T : never): Record<string, string> {
  const h: Record<string, string> = {};
  if (spec.date === 'now') h.date = new Date().toUTCString();
  if (spec.date === 'skewed') h.date = new Date(Date.now() - 3600_000).toUTCString();
  if (spec.date === 'garbage') h.date = spec.garbage;
  if (spec.version) h['x-mns-version'] = spec.version;
  if (spec.contentType) h['content-type'] = spec.contentType;
  for (const [k, v] of spec.extra) h[k] = v;
  const sign = (secret: string) => mnsSignature(secret, mnsStringToSign(method, h, resource));
  if (spec.auth === 'valid') h.authorization = `MNS ${emu.accessKeyId}:${sign(emu.accessKeySecret)}`;
  if (spec.auth === 'wrong-secret') h.authorization = `MNS ${emu.accessKeyId}:${sign('wrong')}`;
  if (spec.auth === 'unknown-key') h.authorization = `MNS nobody:${sign(emu.accessKeySecret)}`;
  if (spec.auth === 'garbage') h.authorization = spec.garbage;
  return h;
}

/** A 5xx that is allowed: the injected 503, or BatchSendMessage's documented 500 with per-entry errors. */
function allowed5xx(a: Answer): boolean {
  if (a.status === 503) return a.text.includes('ServiceUnavailable');
  if (a.status === 500) return a.text.includes(`<Messages xmlns="${NS}">`) && a.text.includes('<ErrorCode>');
  return false;
}

/** A random DeleteQueue must not leave the rest of the run with nothing but QueueNotExist. */
function ensureQueues(): void {
  for (const name of ['rq', 'rq2', 'rq-dlq'])
    if (!emu.snapshot().queues.some((q) => q.name === name)) emu.createQueue(name, name === 'rq' ? { VisibilityTimeout: 1 } : {});
  const rq = emu.snapshot().queues.find((q) => q.name === 'rq');
  if (!rq?.dlqPolicy) emu.setDlqPolicy('rq', { enabled: true, deadLetterTargetQueue: 'rq-dlq', maxReceiveCount: 2 });
}

describe('MNS emulator robustness', () => {
  it('never answers an unexpected 5xx, never hangs, never reaches the internal-error path (fast-check)', async () => {
    ensureQueues();
    // An injected 503 for 5% of the requests, repeatable.
    emu.faults.add({ seed: 5 });
    emu.faults.add({ action: '*', code: 'ServiceUnavailable', httpStatus: 503, probability: 0.05 });
    const seen = new Set<number>();
    let lastHandle = 'none-yet';
    await fc.assert(
      fc.asyncProperty(requestShape, headerSpec, async (shape, spec) => {
        const { method } = shape;
        const resource = shape.path.replaceAll('HANDLE', lastHandle);
        if (resource.startsWith('/__admin') && method !== 'GET') return;
        ensureQueues();
        const a = await request(method, resource, headersFor(method, resource, spec), Buffer.from(shape.body.replaceAll('HANDLE', lastHandle), 'utf8'));
        lastHandle = /<ReceiptHandle>([^<]+)<\/ReceiptHandle>/.exec(a.text)?.[1] ?? lastHandle;
        seen.add(a.status);
        expect(a.status).toBeGreaterThanOrEqual(200);
        if (a.status >= 500) expect(allowed5xx(a), `${method} ${resource} → ${a.status} ${a.text}`).toBe(true);
        const path = resource.split('?')[0];
        if (!resource.startsWith('/__admin') && path !== '/' && method !== 'HEAD' && a.text) {
          // The XML API: always the documented document with the namespace and a request id.
          expect(a.headers['content-type']).toBe('text/xml;charset=utf-8');
          expect(a.text).toContain(`xmlns="${NS}"`);
          expect(a.headers['x-mns-request-id']).toBeTruthy();
        }
      }),
      { numRuns: 400, seed: 20261123 },
    );
    expect(internalErrors).toEqual([]);
    // Answers of every kind were seen: successes, client errors and the injected fault.
    expect([...seen].some((s) => s >= 200 && s < 300)).toBe(true);
    expect(seen.has(400)).toBe(true);
    expect(seen.has(503)).toBe(true);
    emu.faults.clear();
    // Still serving, through the SDK.
    await mns.sendMessage('rq2-check', { MessageBody: 'x' }).catch(() => undefined);
    await mns.createQueue('after');
    expect((await mns.sendMessage('after', { MessageBody: 'still here' })).code).toBe(201);
    expect(((await mns.receiveMessage('after')).body as { MessageBody: string }).MessageBody).toBe('still here');
  });

  it('keeps serving during a burst of concurrent garbage', async () => {
    const garbage = Array.from({ length: 60 }, (_, i) =>
      request(
        ['GET', 'POST', 'PUT', 'DELETE'][i % 4] as string,
        `/queues/burst${i % 3}/messages?numOfMessages=${i}`,
        { authorization: `MNS x:${i}` },
        Buffer.from('<Messages>'.repeat(i)),
      ),
    );
    const good = Array.from({ length: 20 }, (_, i) =>
      mns.getQueueAttributes('after').then(
        (r) => r.code,
        () => i,
      ),
    );
    const answers = await Promise.all(garbage);
    for (const a of answers) expect(a.status).toBeLessThan(500);
    expect(new Set(await Promise.all(good))).toEqual(new Set([200]));
    expect(internalErrors).toEqual([]);
  });
});
