/**
 * MNS emulator, protocol level: hand-signed raw HTTP (node:http, so that every header is under control) for
 * authentication, headers, XML bodies, sizes, routes and receipt-handle encoding (https://www.alibabacloud.com/help/doc-detail/27487.htm,
 * §2.1, §2.5, §2.8). Every error answer is checked for its status, XML error code, namespace, Content-Type,
 * `x-mns-request-id` (equal to the body's RequestId) and `x-mns-version`, and the emulator must still serve after it.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import MNSClient from '@alicloud/mns/lib/client.js';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mnsSignature, mnsStringToSign, startMnsEmulator, type MnsEmulator } from '../../emulators/mns/index.js';
import { parseQuery } from '../../emulators/mns/rest-api.js';

const NS = 'http://mns.aliyuncs.com/doc/v1/';
const internalErrors: unknown[] = [];
let emu: MnsEmulator;
let mns: MNSClient;

beforeAll(async () => {
  emu = await startMnsEmulator({
    credentials: [
      { accessKeyId: 'local-ak', accessKeySecret: 'local-sk' },
      { accessKeyId: 'second-ak', accessKeySecret: 'second-sk' },
    ],
    onInternalError: (err) => internalErrors.push(err),
  });
  mns = new MNSClient(emu.accountId, { accessKeyId: 'local-ak', accessKeySecret: 'local-sk', endpoint: emu.url });
  await mns.createQueue('proto');
});
afterAll(async () => {
  await emu.close();
  // Nothing in this file may reach the emulator's internal-error path.
  expect(internalErrors).toEqual([]);
});

// ---- raw requests --------------------------------------------------------------------------------------------
interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

function raw(method: string, path: string, headers: Record<string, string>, body: string | Buffer = ''): Promise<Raw> {
  return new Promise((resolve, reject) => {
    // A Content-Length like the SDK sends: Node's client frames a DELETE body with neither Content-Length nor chunked
    // encoding by default, so the server would read the body as a second (garbage) request.
    const all = body.length > 0 ? { 'content-length': String(Buffer.byteLength(body)), ...headers } : headers;
    const req = http.request({ host: '127.0.0.1', port: emu.port, method, path, headers: all, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface SignOptions {
  accessKeyId?: string;
  secret?: string;
  /** Date header value (default: now). */
  date?: string;
  version?: string;
  contentType?: string;
  contentMd5?: string;
  /** Extra headers, signed (x-mns-* ones enter the string to sign). */
  extra?: Record<string, string>;
}

/** Headers signed like @alicloud/mns does (§1.4), for `method` and the raw `resource` (path + query as sent). */
function signedHeaders(method: string, resource: string, body: string | Buffer = '', o: SignOptions = {}): Record<string, string> {
  const date = o.date ?? new Date().toUTCString();
  const headers: Record<string, string> = { date, 'x-mns-version': o.version ?? '2015-06-06', ...o.extra };
  if (method !== 'GET' && method !== 'HEAD') {
    headers['content-type'] = o.contentType ?? 'text/xml';
    headers['content-md5'] = o.contentMd5 ?? Buffer.from(createHash('md5').update(body).digest('hex')).toString('base64');
  }
  const signature = mnsSignature(o.secret ?? 'local-sk', mnsStringToSign(method, headers, resource));
  headers.authorization = `MNS ${o.accessKeyId ?? 'local-ak'}:${signature}`;
  return headers;
}

function signed(method: string, resource: string, body: string | Buffer = '', o: SignOptions = {}): Promise<Raw> {
  return raw(method, resource, signedHeaders(method, resource, body, o), body);
}

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false });

/** The common answer checks; returns the parsed root element. */
function expectXml(r: Raw, status: number, root: string): Record<string, any> {
  expect(r.status, r.text).toBe(status);
  expect(r.headers['content-type']).toBe('text/xml;charset=utf-8');
  expect(r.headers['x-mns-version']).toBe('2015-06-06');
  expect(r.headers['x-mns-request-id']).toMatch(/^[0-9A-Za-z-]{8,}$/);
  expect(r.text.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
  const doc = xml.parse(r.text) as Record<string, any>;
  expect(Object.keys(doc).filter((k) => k !== '?xml')).toEqual([root]);
  expect(doc[root]['@xmlns']).toBe(NS);
  return doc[root];
}

/** An error answer: status, code, namespace, headers, RequestId = header, HostId = the emulator's URL. */
function expectError(r: Raw, status: number, code: string, message?: string): void {
  const e = expectXml(r, status, 'Error');
  expect(Object.keys(e).filter((k) => k !== '@xmlns')).toEqual(['Code', 'Message', 'RequestId', 'HostId']);
  expect(e.Code).toBe(code);
  expect(e.RequestId).toBe(r.headers['x-mns-request-id']);
  expect(e.HostId).toBe(emu.url);
  if (message !== undefined) expect(e.Message).toBe(message);
}

/** A normal SDK call still works. */
async function stillServes(): Promise<void> {
  const res = await mns.getQueueAttributes('proto');
  expect(res.body.QueueName).toBe('proto');
}

const sendBody = (body: string) => `<?xml version="1.0" encoding="UTF-8"?><Message xmlns="${NS}"><MessageBody>${body}</MessageBody></Message>`;

describe('MNS protocol: hand-signed requests', () => {
  it('serves a hand-signed GET, PUT and POST like the SDK', async () => {
    const got = await signed('GET', '/queues/proto');
    const q = expectXml(got, 200, 'Queue');
    expect(q.QueueName).toBe('proto');
    const create = `<?xml version="1.0" encoding="UTF-8"?><Queue xmlns="${NS}"><VisibilityTimeout>60</VisibilityTimeout></Queue>`;
    const put = await signed('PUT', '/queues/proto-raw', create);
    expect(put.status).toBe(201);
    expect(put.headers.location).toBe(`${emu.url}/queues/proto-raw`);
    expect(put.headers['x-mns-request-id']).toBeTruthy();
    expect(put.text).toBe('');
    const sent = expectXml(await signed('POST', '/queues/proto-raw/messages', sendBody('aGk=')), 201, 'Message');
    expect(sent.MessageBodyMD5).toBe(createHash('md5').update('aGk=').digest('hex').toUpperCase());
  });

  it('accepts every configured key, any Content-MD5 form (used verbatim), and extra signed x-mns-* headers', async () => {
    expect((await signed('GET', '/queues/proto', '', { accessKeyId: 'second-ak', secret: 'second-sk' })).status).toBe(200);
    // ali-mns sends base64 of the raw digest rather than of the hex string.
    const body = sendBody('cmF3');
    const rawDigest = createHash('md5').update(body).digest('base64');
    expect((await signed('POST', '/queues/proto/messages', body, { contentMd5: rawDigest })).status).toBe(201);
    expect((await signed('GET', '/queues/proto', '', { extra: { 'x-mns-date': new Date().toUTCString(), 'x-mns-custom': 'v' } })).status).toBe(200);
  });

  it('accepts a security-token header (STS; not part of the signature), by hand and through the SDK', async () => {
    const headers = { ...signedHeaders('GET', '/queues/proto'), 'security-token': 'CAIS-fake-sts-token+/==' };
    expect((await raw('GET', '/queues/proto', headers)).status).toBe(200);
    const sts = new MNSClient(emu.accountId, { accessKeyId: 'local-ak', accessKeySecret: 'local-sk', securityToken: 'CAIS-another-token', endpoint: emu.url });
    expect((await sts.sendMessage('proto', { MessageBody: 'sts' })).code).toBe(201);
  });
});

describe('MNS protocol: authentication errors', () => {
  it('refuses a bad signature with SignatureDoesNotMatch 403', async () => {
    expectError(
      await signed('GET', '/queues/proto', '', { secret: 'wrong' }),
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided.',
    );
    // Signed for one resource, sent to another.
    const headers = signedHeaders('GET', '/queues/proto');
    expectError(await raw('GET', '/queues/proto?peekonly=true', headers), 403, 'SignatureDoesNotMatch');
    // An x-mns-* header added after signing.
    expectError(await raw('GET', '/queues/proto', { ...headers, 'x-mns-extra': '1' }), 403, 'SignatureDoesNotMatch');
    // Body changed after signing is fine (Content-MD5 is signed, the body is not checked against it) but a changed
    // Content-Type is not.
    const post = signedHeaders('POST', '/queues/proto/messages', sendBody('eA=='));
    expectError(await raw('POST', '/queues/proto/messages', { ...post, 'content-type': 'application/xml' }, sendBody('eA==')), 403, 'SignatureDoesNotMatch');
    await stillServes();
  });

  it('refuses an unknown AccessKeyId with InvalidAccessKeyId 403', async () => {
    expectError(
      await signed('GET', '/queues/proto', '', { accessKeyId: 'who-is-this' }),
      403,
      'InvalidAccessKeyId',
      'The AccessKey Id you provided is not exist.',
    );
    await stillServes();
  });

  it('refuses missing Authorization, Date and x-mns-version with 400', async () => {
    const headers = signedHeaders('GET', '/queues/proto');
    const without = (name: string) => Object.fromEntries(Object.entries(headers).filter(([k]) => k !== name));
    expectError(await raw('GET', '/queues/proto', without('authorization')), 400, 'MissingAuthorizationHeader');
    expectError(await raw('GET', '/queues/proto', without('date')), 400, 'MissingDateHeader');
    expectError(await raw('GET', '/queues/proto', without('x-mns-version')), 400, 'MissingVersionHeader');
    expectError(await raw('GET', '/queues/proto', {}), 400, 'MissingAuthorizationHeader');
    await stillServes();
  });

  it('refuses a malformed Authorization header with InvalidAuthorizationHeader 400', async () => {
    const headers = signedHeaders('GET', '/queues/proto');
    const signature = headers.authorization!.split(':')[1] as string;
    for (const bad of [
      'Basic bG9jYWwtYWs6bG9jYWwtc2s=',
      'MNS',
      'MNS local-ak',
      'MNS local-ak:',
      `MNS :${signature}`,
      `mns local-ak:${signature}`,
      `MNS local-ak:${signature} extra`,
      `MNSlocal-ak:${signature}`,
    ]) {
      expectError(await raw('GET', '/queues/proto', { ...headers, authorization: bad }), 400, 'InvalidAuthorizationHeader');
    }
    await stillServes();
  });

  it('refuses an unparsable Date with InvalidDateHeader 400, and one skewed past 15 minutes with TimeExpired 408', async () => {
    for (const bad of ['yesterday', 'Mon, 99 Foo 2026 25:61:00 GMT']) {
      expectError(await signed('GET', '/queues/proto', '', { date: bad }), 400, 'InvalidDateHeader');
    }
    const at = (ms: number) => new Date(Date.now() + ms).toUTCString();
    expectError(await signed('GET', '/queues/proto', '', { date: at(-16 * 60_000) }), 408, 'TimeExpired', 'The http request you sent is expired.');
    expectError(await signed('GET', '/queues/proto', '', { date: at(16 * 60_000) }), 408, 'TimeExpired');
    expect((await signed('GET', '/queues/proto', '', { date: at(-14 * 60_000) })).status).toBe(200);
    expect((await signed('GET', '/queues/proto', '', { date: at(14 * 60_000) })).status).toBe(200);
    await stillServes();
  });

  it('refuses an unsupported x-mns-version with 400', async () => {
    const r = await signed('GET', '/queues/proto', '', { version: '2014-07-08' });
    expectError(r, 400, 'InvalidArgument');
    await stillServes();
  });
});

describe('MNS protocol: bodies', () => {
  it("refuses malformed XML with MalformedXML 400, including the SDK's unescaped <&>", async () => {
    const cases = [
      sendBody('hello <&> world'),
      sendBody('a & b'),
      `<?xml version="1.0" encoding="UTF-8"?><Message xmlns="${NS}"><MessageBody>cut`,
      'not xml at all',
      `<Message><MessageBody>x</MessageBody></Message><Message/>`,
      `<Message><MessageBody>x</Body></Message>`,
    ];
    for (const body of cases) {
      expectError(await signed('POST', '/queues/proto/messages', body), 400, 'MalformedXML', 'The XML you provided was not well-formed.');
    }
    await stillServes();
  });

  it('refuses a wrong root element with MalformedXML 400 (per operation), and an empty body where one is needed', async () => {
    const q = `<?xml version="1.0" encoding="UTF-8"?><Queue xmlns="${NS}"><DelaySeconds>0</DelaySeconds></Queue>`;
    const m = sendBody('eA==');
    expectError(await signed('POST', '/queues/proto/messages', q), 400, 'MalformedXML');
    expectError(await signed('PUT', '/queues/proto-root', m), 400, 'MalformedXML');
    expectError(await signed('PUT', '/queues/proto?metaoverride=true', m), 400, 'MalformedXML');
    expectError(await signed('DELETE', '/queues/proto/messages', m), 400, 'MalformedXML');
    expectError(await signed('POST', '/queues/proto/messages', ''), 400, 'MalformedXML');
    expectError(await signed('DELETE', '/queues/proto/messages', ''), 400, 'MalformedXML');
    // Nothing was created or stored by those.
    expect(emu.snapshot().queues.some((x) => x.name === 'proto-root')).toBe(false);
    await stillServes();
  });

  it('answers an entity-expansion ("billion laughs") body fast without expanding it', async () => {
    await mns.createQueue('bomb');
    let entities = '<!ENTITY e0 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx">';
    for (let i = 1; i <= 9; i++) entities += `<!ENTITY e${i} "${`&e${i - 1};`.repeat(10)}">`;
    const bomb = `<?xml version="1.0"?><!DOCTYPE Message [${entities}]><Message xmlns="${NS}"><MessageBody>&e9;</MessageBody></Message>`;
    const started = Date.now();
    const r = await signed('POST', '/queues/bomb/messages', bomb);
    expect(Date.now() - started).toBeLessThan(2000);
    // Refused, or stored with the reference left unexpanded: never 5 GB of "x".
    expect(r.status === 201 || (r.status >= 400 && r.status < 500)).toBe(true);
    for (const m of emu.snapshot().queues.find((q) => q.name === 'bomb')?.messages ?? []) expect(String(m.body).length).toBeLessThan(100);
    await stillServes();
  });

  it('refuses bodies over 1 MB with 400 without buffering them, and keeps serving', async () => {
    const big = Buffer.alloc(1024 * 1024 + 1, 0x61);
    expectError(await signed('POST', '/queues/proto/messages', big), 400, 'InvalidArgument');
    const many = await Promise.all(Array.from({ length: 4 }, () => signed('PUT', '/queues/proto-big', Buffer.alloc(3 * 1024 * 1024, 0x62))));
    for (const r of many) expectError(r, 400, 'InvalidArgument');
    // Unsigned, too: the size check comes before authentication.
    expectError(await raw('POST', '/queues/proto/messages', {}, big), 400, 'InvalidArgument');
    await stillServes();
  });
});

describe('MNS protocol: routes', () => {
  it('answers unknown paths and methods with InvalidRequestURL 400', async () => {
    for (const [method, path] of [
      ['GET', '/topics'],
      ['PUT', '/topics/t1'],
      ['GET', '/nothing/here'],
      ['POST', '/queues/proto'],
      ['PATCH', '/queues/proto'],
      ['POST', '/queues'],
      ['GET', '/queues/proto/messages/extra'],
      ['GET', '/queues/proto/other'],
      ['PATCH', '/queues/proto/messages'],
      ['OPTIONS', '/queues/proto/messages'],
    ] as const) {
      expectError(await signed(method, path), 400, 'InvalidRequestURL');
    }
    await stillServes();
  });

  it('authenticates before routing: an unsigned unknown path is MissingAuthorizationHeader', async () => {
    expectError(await raw('GET', '/topics/t1', {}), 400, 'MissingAuthorizationHeader');
  });

  it('serves the mns-open RPC API (JSON) at /, not the XML API', async () => {
    const r = await signed('GET', '/');
    expect(r.status).toBe(400);
    expect(r.headers['content-type']).toBe('application/json;charset=utf-8');
    expect(JSON.parse(r.text)).toMatchObject({ Code: 'MissingParameter' });
  });
});

describe('MNS protocol: receipt handles in the query', () => {
  async function receivedHandle(queue: string): Promise<string> {
    await mns.sendMessage(queue, { MessageBody: 'h' });
    return ((await mns.receiveMessage(queue)).body as { ReceiptHandle: string }).ReceiptHandle;
  }

  it('signs and reads the raw query: a "+" stays "+" (never a space), percent-escapes are decoded', async () => {
    await mns.createQueue('handles');
    const handle = await receivedHandle('handles');
    // "+" after a valid handle: the signature over the raw "+" matches (no 403) and the handle is not the valid one.
    expectError(
      await signed('DELETE', `/queues/handles/messages?ReceiptHandle=${handle}+`),
      400,
      'ReceiptHandleError',
      'The receipt handle you provide is not valid.',
    );
    // Signed as if "+" were a space: the emulator takes the raw resource, so this does not match.
    const headers = signedHeaders('DELETE', `/queues/handles/messages?ReceiptHandle=${handle} `);
    expectError(await raw('DELETE', `/queues/handles/messages?ReceiptHandle=${handle}+`, headers), 403, 'SignatureDoesNotMatch');
    // "%20" is a space, and then not the handle either.
    expectError(await signed('DELETE', `/queues/handles/messages?ReceiptHandle=${handle}%20`), 400, 'ReceiptHandleError');
    // Percent-encoding every character (as the Go SDK's URL escaping may) still names the same handle.
    const escaped = [...handle].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`).join('');
    const del = await signed('DELETE', `/queues/handles/messages?ReceiptHandle=${escaped}`);
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect(emu.queueDepth('handles')).toBe(0);
  });

  it('parses the raw query itself: "+" is a plus, %XX is decoded, names are case-insensitive, the first value wins', () => {
    // The emulator's own handles are base64url and never hold a "+", so over HTTP a decoded "+" could not be told
    // from a raw one: the query reader is checked directly. Real handles are base64 and may hold "+", "/", "=".
    const q = parseQuery('/queues/q/messages?ReceiptHandle=1-ODU4+OTk/zNDU5My0=&VisibilityTimeout=%33%30&receipthandle=second&x');
    expect(q.get('receipthandle')).toBe('1-ODU4+OTk/zNDU5My0=');
    expect(q.get('visibilitytimeout')).toBe('30');
    expect(q.get('x')).toBe('');
    expect(parseQuery('/q?ReceiptHandle=a%2Bb+c').get('receipthandle')).toBe('a+b+c');
    expect(parseQuery('/q?ReceiptHandle=a%20b').get('receipthandle')).toBe('a b');
    expect(() => parseQuery('/q?ReceiptHandle=%zz')).toThrow(/not well percent-encoded/);
  });

  it('refuses a malformed percent-escape with InvalidQueryString 400', async () => {
    expectError(await signed('DELETE', '/queues/proto/messages?ReceiptHandle=%zz'), 400, 'InvalidQueryString');
    await stillServes();
  });

  it('matches query names case-insensitively (Go SDK: ReceiptHandle/VisibilityTimeout; lower case too)', async () => {
    await mns.createQueue('handles-case');
    const handle = await receivedHandle('handles-case');
    const changed = expectXml(await signed('PUT', `/queues/handles-case/messages?ReceiptHandle=${handle}&VisibilityTimeout=60`), 200, 'ChangeVisibility');
    expect(Object.keys(changed).filter((k) => k !== '@xmlns')).toEqual(['ReceiptHandle', 'NextVisibleTime']);
    expect((await signed('DELETE', `/queues/handles-case/messages?receipthandle=${changed.ReceiptHandle as string}`)).status).toBe(204);
  });

  it('answers MissingReceiptHandle / MissingVisibilityTimeout 400', async () => {
    await mns.createQueue('handles-missing');
    const handle = await receivedHandle('handles-missing');
    expectError(await signed('DELETE', '/queues/handles-missing/messages?ReceiptHandle='), 400, 'MissingReceiptHandle');
    expectError(await signed('PUT', '/queues/handles-missing/messages?visibilityTimeout=10'), 400, 'MissingReceiptHandle');
    expectError(await signed('PUT', `/queues/handles-missing/messages?receiptHandle=${handle}`), 400, 'MissingVisibilityTimeout');
    expectError(await signed('GET', '/queues/handles-missing/messages?numOfMessages='), 400, 'InvalidArgument');
    await stillServes();
  });
});

describe('MNS protocol: the socket', () => {
  it('survives a client that disconnects in the middle of a body', async () => {
    await new Promise<void>((resolve) => {
      const socket = net.connect(emu.port, '127.0.0.1', () => {
        socket.write('POST /queues/proto/messages HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 5000\r\n\r\n<Message><Mess');
        setTimeout(() => socket.destroy(), 30);
      });
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
    await new Promise((r) => setTimeout(r, 50));
    await stillServes();
    expect(internalErrors).toEqual([]);
  });

  it('survives a long poll whose client goes away', async () => {
    await mns.createQueue('gone');
    const headers = signedHeaders('GET', '/queues/gone/messages?waitseconds=5');
    await new Promise<void>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: emu.port, path: '/queues/gone/messages?waitseconds=5', headers, agent: false });
      req.on('error', () => resolve());
      req.end();
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 100);
    });
    // Let the server see the close before the next send (over TCP that is a race, on the real service too).
    await new Promise((r) => setTimeout(r, 50));
    // The next message goes to a live consumer, not to the departed one.
    await mns.sendMessage('gone', { MessageBody: 'for the living' });
    expect(((await mns.receiveMessage('gone')).body as { MessageBody: string }).MessageBody).toBe('for the living');
  });

  it('survives garbage on the socket', async () => {
    await new Promise<void>((resolve) => {
      const socket = net.connect(emu.port, '127.0.0.1', () => socket.end('NOT HTTP AT ALL\r\n\r\n\u0000\u0001\r\n'));
      socket.on('data', () => undefined);
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
    await stillServes();
    expect(internalErrors).toEqual([]);
  });
});
