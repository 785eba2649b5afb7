/**
 * JSON parsing for what callers send, bounded in nesting and in size of structure. `JSON.parse` of a 256 KB body
 * of `[[[[…` (131,000 levels) costs about 50 ms of event-loop time, one of 15,000 keys about 5–15 ms, and the
 * Feishu and DingTalk bodies are parsed before any signature can be checked (the ciphertext to verify is inside
 * them). A linear scan first refuses anything nested deeper, or with more members, than any HR platform sends.
 */
import { UnsupportedMediaTypeError, ValidationError } from '../errors.js';

/** Deeper JSON is refused. A Feishu event nests about 6 levels, the generic payload 3, DingTalk's body 1. */
export const MAX_JSON_DEPTH = 64;
/** JSON with more members and elements (`,` and `:` outside strings) is refused; a Feishu event has about 60. */
export const MAX_JSON_MEMBERS = 4096;

/**
 * `JSON.parse(text)`, after one linear pass over the text that throws ValidationError when arrays and objects
 * nest deeper than `maxDepth`, or hold more than {@link MAX_JSON_MEMBERS} members and elements in all (characters
 * inside strings do not count). A syntax error is JSON.parse's SyntaxError.
 * @example
 * parseBoundedJson('{"a":[1]}') // => { a: [1] }
 * parseBoundedJson('[[[1]]]', 2) // throws ValidationError
 */
export function parseBoundedJson(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  let depth = 0;
  let members = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > maxDepth)
        throw new ValidationError(`the JSON nests deeper than ${maxDepth} levels`, [
          { path: '(root)', message: `must not nest deeper than ${maxDepth} levels` },
        ]);
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
    else if ((c === 44 /* , */ || c === 58) /* : */ && ++members > MAX_JSON_MEMBERS) {
      throw new ValidationError(`the JSON has more than ${MAX_JSON_MEMBERS} members`, [
        { path: '(root)', message: `must not have more than ${MAX_JSON_MEMBERS} members and elements` },
      ]);
    }
  }
  return JSON.parse(text);
}

/** A request body as JSON: UnsupportedMediaTypeError (415) when it is not JSON, ValidationError when too deep. */
export function parseJsonBody(raw: Buffer): unknown {
  try {
    return parseBoundedJson(raw.toString('utf8'));
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    throw new UnsupportedMediaTypeError('the body is not JSON');
  }
}
