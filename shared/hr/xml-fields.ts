/**
 * The XML that WeCom sends (https://developer.work.weixin.qq.com/document/path/90968, the callback body
 * `<xml><ToUserName>…</ToUserName><Encrypt><![CDATA[…]]></Encrypt>…</xml>`, and the decrypted
 * `change_contact` events, https://developer.work.weixin.qq.com/document/path/90970) is read here with a small
 * tokenizer, never a general XML parser: no DTD, no entities (so no expansion bombs), no recursion.
 *
 * It makes one forward pass: every search (`indexOf`) starts where the previous token ended, so the cost is linear
 * in the input whatever it holds. (A regular expression per tag, tried at each position, was quadratic: 256 KB of
 * `<Encrypt><![CDATA[` cost 0.4 s.) Pure, no module-level work.
 */

/** Deeper documents are refused; WeCom's are at most three levels (`<xml><ExtAttr><Item>`). */
export const MAX_XML_DEPTH = 32;
/** Documents of more tokens (tags, CDATA sections, comments) are refused; a WeCom event has a few dozen. */
export const MAX_XML_TOKENS = 4096;

/**
 * The text of each direct child of the root element (`<Name>text</Name>` or `<Name><![CDATA[text]]></Name>`;
 * text of nested elements is left out; the first occurrence of a name wins), or `undefined` when the input is not
 * a single well-nested element of this plain subset (a DOCTYPE, a mismatched, unclosed or over-deep element, or
 * more than {@link MAX_XML_TOKENS} tokens).
 * Entities are not decoded: WeCom puts every free-text field in CDATA.
 * @example
 * readXmlFields('<xml><Encrypt><![CDATA[abc]]></Encrypt><AgentID>1</AgentID></xml>')?.get('Encrypt') // => 'abc'
 * readXmlFields('<xml><Encrypt><![CDATA[abc') // => undefined
 */
export function readXmlFields(xml: string): Map<string, string> | undefined {
  const fields = new Map<string, string>();
  const open: string[] = [];
  let text = '';
  let i = 0;
  let closedRoot = false;
  let tokens = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    if (lt < 0) break;
    if (++tokens > MAX_XML_TOKENS) return undefined;
    if (open.length === 2) text += xml.slice(i, lt);
    if (xml.startsWith('<![CDATA[', lt)) {
      const end = xml.indexOf(']]>', lt + 9);
      if (end < 0) return undefined;
      if (open.length === 2) text += xml.slice(lt + 9, end);
      i = end + 3;
      continue;
    }
    const special = xml.startsWith('<?', lt) ? '?>' : xml.startsWith('<!--', lt) ? '-->' : undefined;
    if (special) {
      const end = xml.indexOf(special, lt + 2);
      if (end < 0) return undefined;
      i = end + special.length;
      continue;
    }
    const gt = xml.indexOf('>', lt + 1);
    if (gt < 0 || closedRoot || xml.charCodeAt(lt + 1) === 33 /* '<!': DOCTYPE and the like */) return undefined;
    i = gt + 1;
    const tag = xml.slice(lt + 1, gt);
    if (tag.startsWith('/')) {
      const closing = tag.slice(1).trim();
      if (open.pop() !== closing) return undefined;
      if (open.length === 1 && !fields.has(closing)) fields.set(closing, text);
      closedRoot = open.length === 0;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_.:-]*/.exec(tag)?.[0];
    if (!name) return undefined;
    if (tag.endsWith('/')) {
      if (open.length === 1 && !fields.has(name)) fields.set(name, '');
      continue;
    }
    open.push(name);
    if (open.length > MAX_XML_DEPTH) return undefined;
    if (open.length === 2) text = '';
  }
  return closedRoot ? fields : undefined;
}
