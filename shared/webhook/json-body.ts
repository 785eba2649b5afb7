/**
 * JSON parsing for what callers send, bounded in nesting. `JSON.parse` of a 256 KB body of `[[[[…` (131,000
 * levels) costs about 50 ms of event-loop time, and the Feishu and DingTalk bodies are parsed before any signature
 * can be checked (the ciphertext to verify is inside them). A linear scan first refuses anything nested deeper
 * than any HR platform sends.
 */
import { UnsupportedMediaTypeError, ValidationError } from '../errors.js';

/** Deeper JSON is refused. A Feishu event nests about 6 levels, the generic payload 3, DingTalk's body 1. */
export const MAX_JSON_DEPTH = 64;

/**
 * `JSON.parse(text)`, after one linear pass over the text that throws ValidationError when arrays and objects
 * nest deeper than `maxDepth` (brackets inside strings do not count). A syntax error is JSON.parse's SyntaxError.
 * @example
 * parseBoundedJson('{"a":[1]}') // => { a: [1] }
 * parseBoundedJson('[[[1]]]', 2) // throws ValidationError
 */
export function parseBoundedJson(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > maxDepth) throw new ValidationError(`the JSON nests deeper than ${maxDepth} levels`, [{ path: '(root)', message: `must not nest deeper than ${maxDepth} levels` }]);
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
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
