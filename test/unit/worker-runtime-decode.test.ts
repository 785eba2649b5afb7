/** Step 1 of the runtime alone: a trigger event in, validated messages (or why not) out. */
import { describe, expect, it } from 'vitest';
import { EmployeeJoinedSchema, queueMessageSchema } from '../../shared/events.js';
import { decodeBatch, FIRST_DELIVERY, MAX_RAW_CHARS } from '../../shared/runtime/decode-batch.js';

const schema = queueMessageSchema(EmployeeJoinedSchema);
const site = { id: 'sh', regionId: 'cn-shanghai', smartAGId: 'sag-1', bandwidthKbps: 2000, userNamePolicy: 'email' as const };
const event = {
  schemaVersion: 1,
  id: `evt_${'a'.repeat(32)}`,
  source: 'generic',
  occurredAt: '2026-11-23T08:00:00Z',
  type: 'employee.joined',
  employee: { id: 'E1', email: 'e1@example.com', name: 'E' },
  site,
};
const record = (body: unknown, messageId = 'm1') => ({ data: { messageId, messageBody: body } });
const trigger = (...records: unknown[]) => Buffer.from(JSON.stringify(records));

describe('decodeBatch', () => {
  it('reads base64 and plain JSON bodies, with the first-delivery bookkeeping when the body has none', () => {
    const b64 = Buffer.from(JSON.stringify({ event })).toString('base64');
    const delivery = { attempts: 2, deferrals: 1, throttled: 3 };
    const batch = decodeBatch(trigger(record(b64, 'a'), record(JSON.stringify({ event, delivery }), 'b')), schema);
    expect(batch).toEqual({
      ok: true,
      messages: [
        { valid: true, messageId: 'a', event, delivery: FIRST_DELIVERY },
        { valid: true, messageId: 'b', event, delivery },
      ],
    });
  });

  it('marks each bad record invalid with its reason, keeping the others', () => {
    const batch = decodeBatch(
      trigger(record('%%%'), { data: {} }, record(JSON.stringify({ event: { ...event, employee: { id: '' } } })), record(JSON.stringify({ event }))),
      schema,
    );
    if (!batch.ok) throw new Error('expected a batch');
    expect(batch.messages.map((m) => m.valid)).toEqual([false, false, false, true]);
    expect(batch.messages[0]).toMatchObject({ valid: false, issues: expect.stringMatching(/not JSON/), raw: '%%%' });
    expect(batch.messages[1]).toMatchObject({ valid: false, issues: 'record has no data.messageBody', raw: '{"data":{}}' });
    expect(batch.messages[2]).toMatchObject({
      valid: false,
      issues: expect.stringMatching(/event\.employee\.(id|email)/),
      parsed: { event: { employee: { id: '' } } },
    });
  });

  it('keeps a malformed trigger event whole (cut to the dead-letter limit)', () => {
    expect(decodeBatch(Buffer.from('garbage'), schema)).toEqual({ ok: false, error: 'trigger event is not JSON', raw: 'garbage' });
    const huge = decodeBatch(`x${'y'.repeat(MAX_RAW_CHARS * 2)}`, schema);
    expect(!huge.ok && huge.raw.length).toBe(MAX_RAW_CHARS);
  });
});
