/**
 * MNS emulator domain (queue-store.ts) on a fake clock, and the XML reader (xml.ts): message states, priorities,
 * delays, visibility, retention, receipt handles, dead-letter moves, counters; strict parsing and the SDK fast path.
 */
import { describe, expect, it } from 'vitest';
import { MnsApiError } from '../../emulators/mns/errors.js';
import { QueueStore, validateAttributes, type StoredMessage } from '../../emulators/mns/queue-store.js';
import { fastSendMessage, messagesXml, parseRequest, parseXml } from '../../emulators/mns/xml.js';
import { decodeBase64Json, snapshotOf } from '../../emulators/mns/admin-routes.js';

function setup(attrs: Record<string, unknown> = {}) {
  let t = 1_700_000_000_000;
  const clock = { now: () => t, advance: (ms: number) => (t += ms) };
  const store = new QueueStore('1234567890123456', 'cn-shanghai', clock.now);
  store.create('q', validateAttributes(attrs));
  return { store, clock, q: store.get('q') };
}

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(MnsApiError);
    return (err as MnsApiError).code;
  }
  throw new Error('expected an MnsApiError');
}

describe('MNS queue store', () => {
  it('receives by priority (1 highest), oldest first within a priority', () => {
    const { store, q } = setup();
    q.send('p8-a');
    q.send('p3', 0, 3);
    q.send('p8-b', 0, 8);
    q.send('p1', 0, 1);
    q.send('p16', 0, 16);
    expect(q.peek(16).map((m) => m.body)).toEqual(['p1', 'p3', 'p8-a', 'p8-b', 'p16']);
    expect(store.receive('q', 2).map((m) => m.body)).toEqual(['p1', 'p3']);
    expect(store.receive('q', 16).map((m) => m.body)).toEqual(['p8-a', 'p8-b', 'p16']);
    expect(store.receive('q', 1)).toEqual([]);
  });

  it('stamps ids, MD5 (upper-case hex of the stored body), times and counters', () => {
    const { store, clock, q } = setup({ VisibilityTimeout: 30 });
    const m = q.send('hello');
    expect(m.md5).toBe('5D41402ABC4B2A76B9719D911017C592');
    expect(m.id).toMatch(/^[0-9A-F]{8}-[0-9A-F]{8}-[0-9A-F]{8}$/);
    expect(q.send('hello').id).not.toBe(m.id);
    clock.advance(500);
    const [r] = store.receive('q', 1) as [StoredMessage];
    expect(r).toMatchObject({
      dequeueCount: 1,
      enqueueTime: 1_700_000_000_000,
      firstDequeueTime: 1_700_000_000_500,
      visibleAt: 1_700_000_030_500,
      state: 'inactive',
    });
    expect(r.handle).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('delays messages (queue default or per message) and makes them visible on time', () => {
    const { store, clock, q } = setup({ DelaySeconds: 5 });
    q.send('queue-delay');
    q.send('own-delay', 2);
    q.send('no-delay', 0);
    expect(q.counts()).toEqual({ active: 1, inactive: 0, delayed: 2 });
    expect(store.receive('q', 16).map((m) => m.body)).toEqual(['no-delay']);
    clock.advance(1999);
    expect(store.receive('q', 16)).toEqual([]);
    expect(q.nextVisibleAt()).toBe(1_700_000_002_000);
    clock.advance(1);
    expect(store.receive('q', 16).map((m) => m.body)).toEqual(['own-delay']);
    clock.advance(3000);
    expect(store.receive('q', 16).map((m) => m.body)).toEqual(['queue-delay']);
  });

  it('hides a received message for VisibilityTimeout, then serves it again under a new handle', () => {
    const { store, clock, q } = setup({ VisibilityTimeout: 10 });
    q.send('m');
    const first = (store.receive('q', 1)[0] as StoredMessage).handle as string;
    clock.advance(9999);
    expect(store.receive('q', 1)).toEqual([]);
    expect(q.counts()).toEqual({ active: 0, inactive: 1, delayed: 0 });
    clock.advance(1);
    const again = store.receive('q', 1)[0] as StoredMessage;
    expect(again.dequeueCount).toBe(2);
    expect(again.firstDequeueTime).toBe(1_700_000_000_000);
    expect(again.handle).not.toBe(first);
    // The first lease is over: its handle no longer works, the new one does.
    expect(codeOf(() => q.delete(first))).toBe('ReceiptHandleError');
    q.delete(again.handle as string);
    expect(q.depth).toBe(0);
  });

  it('rejects stale, foreign, reused and garbage handles with ReceiptHandleError', () => {
    const { store, clock, q } = setup({ VisibilityTimeout: 5 });
    store.create('other');
    q.send('a');
    store.get('other').send('b');
    const h = (store.receive('q', 1)[0] as StoredMessage).handle as string;
    const foreign = (store.receive('other', 1)[0] as StoredMessage).handle as string;
    expect(codeOf(() => q.delete(foreign))).toBe('ReceiptHandleError');
    expect(codeOf(() => q.delete('not-a-handle'))).toBe('ReceiptHandleError');
    expect(codeOf(() => q.delete(''))).toBe('ReceiptHandleError');
    q.delete(h);
    expect(codeOf(() => q.delete(h))).toBe('ReceiptHandleError');
    q.send('c');
    const h2 = (store.receive('q', 1)[0] as StoredMessage).handle as string;
    clock.advance(5000);
    expect(codeOf(() => q.delete(h2))).toBe('ReceiptHandleError');
  });

  it('changes visibility under a new handle; the old one dies; the message returns at the new time', () => {
    const { store, clock, q } = setup({ VisibilityTimeout: 30 });
    q.send('m');
    const old = (store.receive('q', 1)[0] as StoredMessage).handle as string;
    const changed = store.changeVisibility('q', old, 2);
    expect(changed.handle).not.toBe(old);
    expect(changed.visibleAt).toBe(1_700_000_002_000);
    expect(codeOf(() => q.delete(old))).toBe('ReceiptHandleError');
    expect(codeOf(() => q.changeVisibility(old, 5))).toBe('ReceiptHandleError');
    expect(codeOf(() => q.changeVisibility(changed.handle as string, 0))).toBe('InvalidArgument');
    clock.advance(2000);
    expect(store.receive('q', 1).map((m) => m.dequeueCount)).toEqual([2]);
  });

  it('removes messages after MessageRetentionPeriod whatever their state', () => {
    const { store, clock, q } = setup({ MessageRetentionPeriod: 60, VisibilityTimeout: 600 });
    q.send('active');
    q.send('delayed', 120);
    q.send('inactive');
    store.receive('q', 1); // 'active' goes inactive
    clock.advance(30_000);
    q.send('young');
    expect(q.depth).toBe(4);
    clock.advance(30_000);
    expect(q.depth).toBe(1);
    expect(q.peek(16).map((m) => m.body)).toEqual(['young']);
    expect(q.counts()).toEqual({ active: 1, inactive: 0, delayed: 0 });
  });

  it('keeps heaps small when consumers delete what they receive', () => {
    const { store, q } = setup();
    for (let i = 0; i < 5000; i++) q.send(`m${i}`);
    for (;;) {
      const got = store.receive('q', 16);
      if (got.length === 0) break;
      for (const m of got) q.delete(m.handle as string);
    }
    expect(q.depth).toBe(0);
    expect(q.counts()).toEqual({ active: 0, inactive: 0, delayed: 0 });
    // Deleted messages are dropped from the retention heap as they reach its top.
    expect((q as unknown as { expiry: { size: number } }).expiry.size).toBeLessThan(2);
  });

  it('moves a message to the dead-letter queue when a receive would pass MaxReceiveCount', () => {
    const { store, clock, q } = setup({ VisibilityTimeout: 1 });
    store.create('dlq');
    store.setDlqPolicy('q', { enabled: true, deadLetterTargetQueue: 'dlq', maxReceiveCount: 2 });
    const available: string[] = [];
    store.onAvailable = (name) => available.push(name);
    const sent = q.send('poison');
    expect(store.receive('q', 1)).toHaveLength(1);
    clock.advance(1000);
    expect(store.receive('q', 1)[0]?.dequeueCount).toBe(2);
    clock.advance(1000);
    expect(store.receive('q', 1)).toEqual([]); // the third receive moves it instead
    expect(q.depth).toBe(0);
    expect(available).toEqual(['dlq']);
    const [moved] = store.get('dlq').peek(1) as [StoredMessage];
    expect(moved).toMatchObject({ id: sent.id, body: 'poison', md5: sent.md5, enqueueTime: sent.enqueueTime, dequeueCount: 0, priority: 8 });
    expect(moved.systemProperties).toEqual({
      DLQMessageType: 'DLQ',
      DLQSourceArn: 'acs:mns:cn-shanghai:1234567890123456:/queues/q',
      DLQOriginMessageId: sent.id,
    });
    expect(messagesXml([moved], false, false)).toContain(
      '<SystemProperties><SystemPropertyValue><Name>DLQMessageType</Name><Value>DLQ</Value><Type>STRING</Type></SystemPropertyValue>',
    );
    const snap = snapshotOf(store).queues.find((x) => x.name === 'dlq');
    expect(snap?.messages[0]?.systemProperties?.DLQOriginMessageId).toBe(sent.id);
  });

  it('does not move when the policy is disabled or its target queue is gone', () => {
    const { store, clock, q } = setup({ VisibilityTimeout: 1 });
    store.create('dlq');
    store.setDlqPolicy('q', { enabled: false, deadLetterTargetQueue: 'dlq', maxReceiveCount: 1 });
    q.send('m');
    store.receive('q', 1);
    clock.advance(1000);
    expect(store.receive('q', 1)[0]?.dequeueCount).toBe(2);
    store.setDlqPolicy('q', { enabled: true, deadLetterTargetQueue: 'dlq', maxReceiveCount: 1 });
    store.delete('dlq');
    clock.advance(1000);
    expect(store.receive('q', 1)[0]?.dequeueCount).toBe(3);
    expect(q.counts()).toEqual({ active: 0, inactive: 1, delayed: 0 });
  });

  it('validates dead-letter policies', () => {
    const { store } = setup();
    store.create('dlq');
    expect(codeOf(() => store.setDlqPolicy('q', { enabled: true, deadLetterTargetQueue: 'q', maxReceiveCount: 3 }))).toBe('InvalidArgument');
    expect(codeOf(() => store.setDlqPolicy('q', { enabled: true, deadLetterTargetQueue: 'nope', maxReceiveCount: 3 }))).toBe('QueueNotExist');
    expect(codeOf(() => store.setDlqPolicy('q', { enabled: true, deadLetterTargetQueue: 'dlq', maxReceiveCount: 0 }))).toBe('InvalidArgument');
    expect(codeOf(() => store.setDlqPolicy('nope', undefined))).toBe('QueueNotExist');
  });

  it('validates attributes, names, bodies, delays and priorities', () => {
    const { store, q } = setup({ MaximumMessageSize: 1024 });
    expect(validateAttributes({ VisibilityTimeout: '60', LoggingEnabled: 'True', Unknown: 'x' })).toEqual({ VisibilityTimeout: 60, LoggingEnabled: true });
    for (const bad of [
      { VisibilityTimeout: 0 },
      { DelaySeconds: 604801 },
      { MaximumMessageSize: '1023' },
      { PollingWaitSeconds: 31 },
      { MessageRetentionPeriod: 59 },
      { VisibilityTimeout: '1.5' },
      { LoggingEnabled: 'yes' },
    ]) {
      expect(codeOf(() => validateAttributes(bad))).toBe('InvalidArgument');
    }
    expect(codeOf(() => store.create('bad_name'))).toBe('InvalidQueueName');
    expect(codeOf(() => store.create('-starts-with-hyphen'))).toBe('InvalidQueueName');
    expect(codeOf(() => store.create('x'.repeat(121)))).toBe('InvalidQueueName');
    expect(store.create('x'.repeat(120))).toBe('created');
    expect(codeOf(() => q.send(''))).toBe('InvalidArgument');
    expect(codeOf(() => q.send('x'.repeat(1025)))).toBe('InvalidArgument');
    expect(codeOf(() => q.send('é'.repeat(513)))).toBe('InvalidArgument'); // 1026 bytes in UTF-8
    q.send('x'.repeat(1024));
    expect(codeOf(() => q.send('m', -1))).toBe('InvalidArgument');
    expect(codeOf(() => q.send('m', 0, 0))).toBe('InvalidArgument');
    expect(codeOf(() => q.send('m', 0, 17))).toBe('InvalidArgument');
  });

  it('creates idempotently: same attributes unchanged, others QueueAlreadyExist', () => {
    const { store } = setup({ VisibilityTimeout: 60 });
    expect(store.create('q', { VisibilityTimeout: 60 })).toBe('unchanged');
    expect(codeOf(() => store.create('q', { VisibilityTimeout: 61 }))).toBe('QueueAlreadyExist');
    expect(codeOf(() => store.create('q'))).toBe('QueueAlreadyExist'); // defaults differ from VisibilityTimeout 60
  });

  it('lists queues by prefix with a marker and a limit', () => {
    const { store } = setup();
    for (const n of ['a1', 'a2', 'a3', 'b1']) store.create(n);
    expect(store.list('a', '', 2)).toEqual({ names: ['a1', 'a2'], nextMarker: 'a2' });
    expect(store.list('a', 'a2', 2)).toEqual({ names: ['a3'] });
    expect(store.list('', '', 1000).names).toEqual(['a1', 'a2', 'a3', 'b1', 'q']);
  });
});

describe('MNS XML', () => {
  const H = '<?xml version="1.0" encoding="UTF-8"?><Message xmlns="http://mns.aliyuncs.com/doc/v1/">';

  it('takes the SDK send document on the fast path, and anything else through the full parser', () => {
    expect(fastSendMessage(`${H}<MessageBody>SGVsbG8=</MessageBody><DelaySeconds>3</DelaySeconds><Priority>2</Priority></Message>`)).toEqual({
      body: 'SGVsbG8=',
      delaySeconds: '3',
      priority: '2',
    });
    expect(fastSendMessage(`${H}<MessageBody>a &amp; b</MessageBody></Message>`)).toBeUndefined();
    expect(fastSendMessage(`${H}<MessageBody>a</MessageBody><MessageBody>b</MessageBody></Message>`)).toBeUndefined();
    const full = parseRequest(`${H}<MessageBody>a &amp; &lt;b&gt; &#60;&#x41; <![CDATA[<&>]]></MessageBody></Message>`, 'Message');
    expect(full.children[0]?.text).toBe('a & <b> <A <&>');
  });

  it('refuses what is not well-formed, including what a lax validator lets through', () => {
    const bad = [
      `${H}<MessageBody>hello <&> world</MessageBody></Message>`,
      `${H}<MessageBody>a & b</MessageBody></Message>`,
      `${H}<MessageBody>&nbsp;</MessageBody></Message>`,
      `${H}<MessageBody>x]]>y</MessageBody></Message>`,
      `${H}<MessageBody>x</Message>`,
      '<Message/><Message/>',
      '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "b">]><Message><MessageBody>&a;</MessageBody></Message>',
      'garbage',
      '',
      `${H}<MessageBody>\u0001</MessageBody></Message>`,
      `${H}<MessageBody>&#0;</MessageBody></Message>`,
      `${'<a>'.repeat(40)}${'</a>'.repeat(40)}`,
    ];
    for (const b of bad) {
      let code = '';
      try {
        parseRequest(b, 'Message');
      } catch (err) {
        code = (err as MnsApiError).code;
      }
      expect(code, b).toBe('MalformedXML');
    }
    expect(() => parseRequest('<Queue/>', 'Message')).toThrow('The XML you provided was not well-formed.');
  });

  it('reads comments, processing instructions, attributes, whitespace and self-closing elements', () => {
    const e = parseXml(
      '\uFEFF<?xml version="1.0"?>\n<!-- c --><Queue xmlns="x" a=\'1\'>\n  <VisibilityTimeout>5</VisibilityTimeout><?pi x?>\n  <Empty/>\n</Queue>\n',
    );
    expect(e.name).toBe('Queue');
    expect(e.children.map((c) => [c.name, c.text])).toEqual([
      ['VisibilityTimeout', '5'],
      ['Empty', ''],
    ]);
  });

  it('escapes bodies on the way out', () => {
    const m = {
      id: 'ID',
      body: 'a<b>&"c"',
      md5: 'M',
      priority: 8,
      enqueueTime: 1,
      firstDequeueTime: 0,
      dequeueCount: 0,
      visibleAt: 1,
      handle: undefined,
      state: 'active',
      gen: 0,
      deleted: false,
    } as StoredMessage;
    expect(messagesXml([m], false, false)).toContain('<MessageBody>a&lt;b&gt;&amp;&quot;c&quot;</MessageBody>');
  });

  it('decodes base64 JSON bodies for snapshots only when they are that', () => {
    expect(decodeBase64Json(Buffer.from('{"a":1}').toString('base64'))).toEqual({ a: 1 });
    expect(decodeBase64Json('SGVsbG8=')).toBeUndefined(); // "Hello": base64, not JSON
    expect(decodeBase64Json('plain text')).toBeUndefined();
  });
});
