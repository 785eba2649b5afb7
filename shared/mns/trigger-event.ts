/**
 * Parsing the FC 3.0 Simple Message Queue trigger event
 * (https://www.alibabacloud.com/help/en/functioncompute/fc/mns-queue-triggers): a Buffer holding a JSON array of
 * CloudEvents whose `data` carries only `requestId`, `messageId` and `messageBody`. A single object (FC 2.0 style,
 * event-driven mode) is accepted too. `messageBody` is the JSON text when the trigger's IsBase64Decode is on, and
 * the base64 text otherwise: {@link decodeMessageBody} accepts both, so the trigger setting cannot break workers.
 */
export interface TriggerRecord {
  /** The MNS message id, when the platform gave one. */
  messageId?: string;
  /** The message body as delivered (JSON text or base64 of it). Undefined when the record had none. */
  body?: string;
  /** The record as received, for dead-lettering records that are not even CloudEvents. */
  raw: unknown;
}

export class TriggerEventError extends Error {
  override readonly name = 'TriggerEventError';
}

export function parseTriggerEvent(event: Buffer | string | unknown): TriggerRecord[] {
  let parsed: unknown = event;
  if (Buffer.isBuffer(event) || typeof event === 'string') {
    const text = Buffer.isBuffer(event) ? event.toString('utf8') : event;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new TriggerEventError('trigger event is not JSON');
    }
  }
  const items = Array.isArray(parsed) ? parsed : [parsed];
  if (items.length === 0) return [];
  return items.map((item) => {
    const data = item && typeof item === 'object' ? (item as { data?: unknown }).data : undefined;
    const d = data && typeof data === 'object' ? (data as { messageId?: unknown; messageBody?: unknown }) : undefined;
    return {
      messageId: typeof d?.messageId === 'string' ? d.messageId : undefined,
      body: typeof d?.messageBody === 'string' ? d.messageBody : undefined,
      raw: item,
    };
  });
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** JSON text or base64(JSON text) → parsed JSON. Throws on anything else. */
export function decodeMessageBody(body: string): unknown {
  const t = body.trim();
  if (t.startsWith('{') || t.startsWith('[')) return JSON.parse(t);
  if (t.length % 4 !== 0 || !BASE64.test(t)) throw new SyntaxError('message body is neither JSON nor base64');
  return JSON.parse(Buffer.from(t, 'base64').toString('utf8'));
}
