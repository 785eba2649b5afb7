/**
 * MNS XML (https://help.aliyun.com/en/mns/developer-reference/sendmessage, https://github.com/aliyun/mns-nodejs-sdk): the documented response documents (namespace
 * `http://mns.aliyuncs.com/doc/v1/`) and request parsing.
 *
 * Request bodies are small data documents (`<Queue>`, `<Message>`, `<Messages>`, `<ReceiptHandles>`). The exact
 * shape `@alicloud/mns` sends for SendMessage is recognised by a fast path; anything else goes through
 * fast-xml-parser's XMLValidator and then a strict reader ({@link parseXml}) that also refuses what the validator
 * lets through (several roots, undefined entities such as `&nbsp;`, `]]>` in text, a DOCTYPE). Any refusal is
 * MalformedXML 400, as the service answers the unescaped `<&>` the SDK sends for a raw body.
 */
import { XMLValidator } from 'fast-xml-parser';
import { mnsError } from './errors.js';
import type { Queue, StoredMessage } from './queue-store.js';

export const NS = 'http://mns.aliyuncs.com/doc/v1/';
const HEAD = '<?xml version="1.0" encoding="UTF-8"?>';

const NEEDS_ESCAPE = /[&<>"']/;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text for element content or attribute values. */
export function esc(value: string | number | boolean): string {
  const s = String(value);
  return NEEDS_ESCAPE.test(s) ? s.replace(/[&<>"']/g, (c) => ESCAPES[c] as string) : s;
}

/** A complete document: declaration, `<root xmlns="…">inner</root>`. */
export function doc(root: string, inner: string): string {
  return `${HEAD}<${root} xmlns="${NS}">${inner}</${root}>`;
}

function el(name: string, value: string | number | boolean): string {
  return `<${name}>${esc(value)}</${name}>`;
}

/** `<Error>` with Code, Message, RequestId, HostId. */
export function errorXml(code: string, message: string, requestId: string, hostId: string): string {
  return doc('Error', el('Code', code) + el('Message', message) + el('RequestId', requestId) + el('HostId', hostId));
}

/**
 * The fields of a received (`withHandle`: all nine, ReceiptHandle and NextVisibleTime included) or peeked message.
 * FirstDequeueTime of a message never received is its EnqueueTime. A message moved by a dead-letter policy also
 * carries `<SystemProperties>` (one `<SystemPropertyValue><Name/><Value/><Type>STRING</Type>` per property), as the
 * newer SDKs parse it; other messages have no such element.
 */
export function messageFields(m: StoredMessage, withHandle: boolean): string {
  let s = `<MessageId>${m.id}</MessageId>`;
  if (withHandle) s += `<ReceiptHandle>${m.handle ?? ''}</ReceiptHandle>`;
  s += `<MessageBodyMD5>${m.md5}</MessageBodyMD5><MessageBody>${esc(m.body)}</MessageBody><EnqueueTime>${m.enqueueTime}</EnqueueTime>`;
  if (withHandle) s += `<NextVisibleTime>${m.visibleAt}</NextVisibleTime>`;
  s += `<FirstDequeueTime>${m.firstDequeueTime || m.enqueueTime}</FirstDequeueTime><DequeueCount>${m.dequeueCount}</DequeueCount><Priority>${m.priority}</Priority>`;
  if (m.systemProperties) {
    s += '<SystemProperties>';
    for (const [name, value] of Object.entries(m.systemProperties))
      s += `<SystemPropertyValue>${el('Name', name)}${el('Value', value)}<Type>STRING</Type></SystemPropertyValue>`;
    s += '</SystemProperties>';
  }
  return s;
}

/** `<Message>` (one) or `<Messages><Message>…` (batch) for receives and peeks. */
export function messagesXml(messages: readonly StoredMessage[], batch: boolean, withHandle: boolean): string {
  if (!batch) return doc('Message', messageFields(messages[0] as StoredMessage, withHandle));
  let inner = '';
  for (const m of messages) inner += `<Message>${messageFields(m, withHandle)}</Message>`;
  return doc('Messages', inner);
}

/** GetQueueAttributes' `<Queue>`; CreateTime and LastModifyTime in seconds. */
export function queueXml(q: Queue): string {
  const c = q.counts();
  const a = q.attributes;
  return doc(
    'Queue',
    el('QueueName', q.name) +
      el('CreateTime', Math.floor(q.createTime / 1000)) +
      el('LastModifyTime', Math.floor(q.lastModifyTime / 1000)) +
      el('DelaySeconds', a.DelaySeconds) +
      el('MaximumMessageSize', a.MaximumMessageSize) +
      el('MessageRetentionPeriod', a.MessageRetentionPeriod) +
      el('VisibilityTimeout', a.VisibilityTimeout) +
      el('PollingWaitSeconds', a.PollingWaitSeconds) +
      el('ActiveMessages', c.active) +
      el('InactiveMessages', c.inactive) +
      el('DelayMessages', c.delayed) +
      el('LoggingEnabled', a.LoggingEnabled ? 'True' : 'False'),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Request parsing

/** An element of a request document: its text (CDATA included, entities decoded) and child elements. */
export interface XmlElement {
  name: string;
  text: string;
  children: XmlElement[];
}

/** MalformedXML with the service's fixed message (`detail` is for readers of this file, not sent). */
const malformed = (_detail?: string) => mnsError('MalformedXML');

const NAME = /[A-Za-z_:][\w.:-]*/y;
const INVALID_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const MAX_DEPTH = 16;

function decodeEntities(raw: string): string {
  if (!raw.includes('&')) {
    if (raw.includes(']]>')) throw malformed("']]>' in text");
    return raw;
  }
  if (raw.includes(']]>')) throw malformed("']]>' in text");
  return raw.replace(/&([^;&<]{0,10});?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) throw malformed('an unterminated entity reference');
    switch (ref) {
      case 'amp':
        return '&';
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
    }
    const m = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(ref);
    if (!m) throw malformed(`the undefined entity &${ref};`);
    const cp = m[1] !== undefined ? parseInt(m[1], 16) : Number(m[2]);
    const ok = cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
    if (!ok) throw malformed(`the character reference &${ref};`);
    return String.fromCodePoint(cp);
  });
}

/** The cursor of one parse: each method reads one construct at `i` and advances past it. Throws MalformedXML. */
class XmlReader {
  i = 0;
  readonly n: number;
  constructor(readonly input: string) {
    this.n = input.length;
    if (input.charCodeAt(0) === 0xfeff) this.i = 1;
  }

  skipSpace(): void {
    while (this.i < this.n && /\s/.test(this.input[this.i] as string)) this.i++;
  }

  /** Skips a comment or a processing instruction at `i`; false when there is none. */
  skipCommentOrPi(): boolean {
    const { input } = this;
    if (input.startsWith('<!--', this.i)) {
      const end = input.indexOf('-->', this.i + 4);
      if (end < 0 || input.slice(this.i + 4, end).includes('--')) throw malformed('a bad comment');
      this.i = end + 3;
      return true;
    }
    if (input.startsWith('<?', this.i)) {
      const end = input.indexOf('?>', this.i + 2);
      if (end < 0) throw malformed('an unterminated processing instruction');
      this.i = end + 2;
      return true;
    }
    return false;
  }

  skipMisc(): void {
    do this.skipSpace();
    while (this.skipCommentOrPi());
  }

  readName(): string {
    NAME.lastIndex = this.i;
    const m = NAME.exec(this.input);
    if (!m) throw malformed('a bad element name');
    this.i += m[0].length;
    return m[0];
  }

  /** One `name="value"` (checked, then ignored). */
  readAttribute(): void {
    const { input } = this;
    this.readName();
    this.skipSpace();
    if (input[this.i] !== '=') throw malformed('an attribute without a value');
    this.i++;
    this.skipSpace();
    const quote = input[this.i];
    if (quote !== '"' && quote !== "'") throw malformed('an unquoted attribute value');
    const end = input.indexOf(quote, this.i + 1);
    if (end < 0) throw malformed('an unterminated attribute value');
    const value = input.slice(this.i + 1, end);
    if (value.includes('<')) throw malformed("'<' in an attribute value");
    decodeEntities(value);
    this.i = end + 1;
  }

  /** Reads the rest of a start tag after its name; true if it was self-closing. */
  readAttributes(): boolean {
    for (;;) {
      const before = this.i;
      this.skipSpace();
      if (this.input[this.i] === '>') {
        this.i++;
        return false;
      }
      if (this.input.startsWith('/>', this.i)) {
        this.i += 2;
        return true;
      }
      if (this.i === before) throw malformed('a bad start tag');
      this.readAttribute();
    }
  }

  /** The end tag of `name`, at `</`. */
  readEndTag(name: string): void {
    this.i += 2;
    const closing = this.readName();
    if (closing !== name) throw malformed(`</${closing}> closes <${name}>`);
    this.skipSpace();
    if (this.input[this.i] !== '>') throw malformed('a bad end tag');
    this.i++;
  }

  /** What follows `<` inside an element: CDATA (its text), a comment or PI (''), or a child element. */
  readMarkup(element: XmlElement, depth: number): void {
    const { input } = this;
    if (input.startsWith('<![CDATA[', this.i)) {
      const end = input.indexOf(']]>', this.i + 9);
      if (end < 0) throw malformed('an unterminated CDATA section');
      element.text += input.slice(this.i + 9, end);
      this.i = end + 3;
    } else if (this.skipCommentOrPi()) {
      // skipped
    } else if (input.startsWith('<!', this.i)) {
      throw malformed('a declaration inside an element');
    } else {
      element.children.push(this.readElement(depth + 1));
    }
  }

  readElement(depth: number): XmlElement {
    if (depth > MAX_DEPTH) throw malformed('elements nested too deeply');
    this.i++; // '<'
    const name = this.readName();
    const element: XmlElement = { name, text: '', children: [] };
    if (this.readAttributes()) return element;
    for (;;) {
      const lt = this.input.indexOf('<', this.i);
      if (lt < 0) throw malformed(`the element ${name} is not closed`);
      if (lt > this.i) element.text += decodeEntities(this.input.slice(this.i, lt));
      this.i = lt;
      if (this.input.startsWith('</', this.i)) {
        this.readEndTag(name);
        return element;
      }
      this.readMarkup(element, depth);
    }
  }
}

/**
 * A strict reader for data documents: one root element, optional XML declaration, comments and processing
 * instructions, attributes (ignored), text with the five predefined entities and character references, CDATA.
 * No DOCTYPE. Throws MalformedXML.
 */
export function parseXml(input: string): XmlElement {
  if (INVALID_CHARS.test(input)) throw malformed('a character XML does not allow');
  const r = new XmlReader(input);
  r.skipMisc();
  if (input.startsWith('<!', r.i)) throw malformed('a DOCTYPE or declaration (not accepted)');
  if (input[r.i] !== '<') throw malformed('no root element');
  const root = r.readElement(1);
  r.skipMisc();
  if (r.i < r.n) throw malformed('content after the root element');
  return root;
}

/** Parses a request body whose root must be `root` (MalformedXML otherwise). */
export function parseRequest(body: string, root: string): XmlElement {
  if (!body.trim()) throw malformed('the body is empty');
  if (XMLValidator.validate(body) !== true) throw malformed();
  const element = parseXml(body);
  if (element.name !== root) throw malformed(`the root element should be ${root}`);
  return element;
}

/**
 * The text of each child element by name, for flat documents such as `<Queue>` and `<Message>`. An element given
 * twice, or holding elements where text is expected, is InvalidArgument.
 */
export function childTexts(element: XmlElement, known: ReadonlySet<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const child of element.children) {
    if (!known.has(child.name)) continue;
    if (out.has(child.name)) throw mnsError('InvalidArgument', `The element ${child.name} is given more than once.`);
    if (child.children.length > 0) throw mnsError('InvalidArgument', `The element ${child.name} should hold text, not elements.`);
    out.set(child.name, child.text);
  }
  return out;
}

/** A message entry of SendMessage / BatchSendMessage as sent (numbers not yet checked). */
export interface MessageEntry {
  body?: string;
  delaySeconds?: string;
  priority?: string;
}

/** The elements of a `<Message>` in SendMessage / BatchSendMessage. */
export const MESSAGE_ELEMENTS: ReadonlySet<string> = new Set(['MessageBody', 'DelaySeconds', 'Priority']);

/** The fields of one `<Message>` element as sent (InvalidArgument for a field given twice or holding elements). */
export function messageEntry(element: XmlElement): MessageEntry {
  const f = childTexts(element, MESSAGE_ELEMENTS);
  return { body: f.get('MessageBody'), delaySeconds: f.get('DelaySeconds'), priority: f.get('Priority') };
}

const SDK_SEND =
  /^<\?xml version="1\.0" encoding="UTF-8"\?><Message xmlns="http:\/\/mns\.aliyuncs\.com\/doc\/v1\/">((?:<(?:MessageBody|DelaySeconds|Priority)>[^<&\]]*<\/(?:MessageBody|DelaySeconds|Priority)>){1,3})<\/Message>$/;
const SDK_FIELD = /<(MessageBody|DelaySeconds|Priority)>([^<]*)<\/(MessageBody|DelaySeconds|Priority)>/g;

/**
 * The fast path for the single-message document `@alicloud/mns` builds: declaration, `<Message xmlns=…>`, then up to
 * three distinct fields whose text holds no markup or entity. Undefined for anything else (use the full parser).
 */
export function fastSendMessage(body: string): MessageEntry | undefined {
  const m = SDK_SEND.exec(body);
  if (!m) return undefined;
  const entry: MessageEntry = {};
  SDK_FIELD.lastIndex = 0;
  for (let f = SDK_FIELD.exec(m[1] as string); f; f = SDK_FIELD.exec(m[1] as string)) {
    if (f[1] !== f[3]) return undefined;
    const value = f[2] as string;
    if (f[1] === 'MessageBody') {
      if (entry.body !== undefined) return undefined;
      entry.body = value;
    } else if (f[1] === 'DelaySeconds') {
      if (entry.delaySeconds !== undefined) return undefined;
      entry.delaySeconds = value;
    } else {
      if (entry.priority !== undefined) return undefined;
      entry.priority = value;
    }
  }
  if (INVALID_CHARS.test(body)) return undefined;
  return entry;
}
