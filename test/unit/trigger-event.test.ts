import { describe, expect, it } from 'vitest';
import { decodeMessageBody, parseTriggerEvent, TriggerEventError } from '../../shared/mns/trigger-event.js';

const ce = (body: unknown) => ({ id: '1', specversion: '1.0', type: 'mns:Queue:SendMessage', data: { requestId: 'r', messageId: 'm1', messageBody: body } });

describe('parseTriggerEvent', () => {
  it('accepts the FC 3.0 CloudEvents array and a single object', () => {
    expect(parseTriggerEvent(Buffer.from(JSON.stringify([ce('a'), ce('b')])))).toHaveLength(2);
    const [one] = parseTriggerEvent(Buffer.from(JSON.stringify(ce('x'))));
    expect(one).toMatchObject({ messageId: 'm1', body: 'x' });
  });

  it('keeps records without a body so they can be dead-lettered', () => {
    const [r] = parseTriggerEvent([{ data: {} }]);
    expect(r?.body).toBeUndefined();
  });

  it('refuses a non-JSON event', () => {
    expect(() => parseTriggerEvent(Buffer.from('nope'))).toThrow(TriggerEventError);
  });
});

describe('decodeMessageBody', () => {
  it('decodes JSON text and base64 JSON alike', () => {
    const obj = { a: 1, s: '<&>' };
    expect(decodeMessageBody(JSON.stringify(obj))).toEqual(obj);
    expect(decodeMessageBody(Buffer.from(JSON.stringify(obj)).toString('base64'))).toEqual(obj);
  });

  it('refuses anything else', () => {
    expect(() => decodeMessageBody('not base64!')).toThrow();
    expect(() => decodeMessageBody(Buffer.from('not json').toString('base64'))).toThrow();
  });
});
