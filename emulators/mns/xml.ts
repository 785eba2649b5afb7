/** MNS XML: the documented response documents (namespace http://mns.aliyuncs.com/doc/v1/) and request parsing. */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { MnsApiError, type Queue, type StoredMessage } from './queue-store.js';

export const NS = 'http://mns.aliyuncs.com/doc/v1/';
const HEAD = '<?xml version="1.0" encoding="UTF-8"?>';

export function esc(s: string | number | boolean): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

const fields = (o: Record<string, string | number | boolean | undefined>) =>
  Object.entries(o)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<${k}>${esc(v as string)}</${k}>`)
    .join('');

export const doc = (root: string, inner: string) => `${HEAD}<${root} xmlns="${NS}">${inner}</${root}>`;

export function errorXml(code: string, message: string, requestId: string, hostId: string): string {
  return doc('Error', fields({ Code: code, Message: message, RequestId: requestId, HostId: hostId }));
}

export function messageFields(m: StoredMessage, withHandle: boolean): string {
  return fields({
    MessageId: m.id,
    ReceiptHandle: withHandle ? m.handle : undefined,
    MessageBodyMD5: m.md5,
    MessageBody: m.body,
    EnqueueTime: m.enqueueTime,
    NextVisibleTime: withHandle ? m.visibleAt : undefined,
    FirstDequeueTime: m.firstDequeueTime || m.enqueueTime,
    DequeueCount: m.dequeueCount,
    Priority: m.priority,
  });
}

export function queueXml(q: Queue): string {
  const c = q.counts();
  const a = q.attributes;
  return doc(
    'Queue',
    fields({
      QueueName: q.name,
      CreateTime: Math.floor(q.createTime / 1000),
      LastModifyTime: Math.floor(q.lastModifyTime / 1000),
      DelaySeconds: a.DelaySeconds,
      MaximumMessageSize: a.MaximumMessageSize,
      MessageRetentionPeriod: a.MessageRetentionPeriod,
      VisibilityTimeout: a.VisibilityTimeout,
      PollingWaitSeconds: a.PollingWaitSeconds,
      ActiveMessages: c.active,
      InactiveMessages: c.inactive,
      DelayMessages: c.delayed,
      LoggingEnabled: a.LoggingEnabled ? 'True' : 'False',
    }),
  );
}

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: false, processEntities: true, isArray: (name, jpath) => jpath === 'Messages.Message' || jpath === 'ReceiptHandles.ReceiptHandle' });

/** Parses a request body; MalformedXML when it is not well-formed or has the wrong root. */
export function parseRequest(body: string, root: string): Record<string, unknown> {
  if (!body.trim()) throw new MnsApiError('MalformedXML', 400, 'The XML you provided was not well-formed.');
  // The MNS SDK interpolates bodies unescaped: validation catches `<&>` inside MessageBody as the service would.
  if (XMLValidator.validate(body) !== true) throw new MnsApiError('MalformedXML', 400, 'The XML you provided was not well-formed.');
  let parsed: Record<string, unknown>;
  try {
    parsed = parser.parse(body) as Record<string, unknown>;
  } catch {
    throw new MnsApiError('MalformedXML', 400, 'The XML you provided was not well-formed.');
  }
  const r = parsed[root];
  if (r === undefined) throw new MnsApiError('MalformedXML', 400, `The XML root element should be ${root}.`);
  return (r && typeof r === 'object' ? r : {}) as Record<string, unknown>;
}
