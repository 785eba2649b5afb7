/**
 * How the webhook answers a request it refuses: every typed error of shared/errors.ts becomes its status and a
 * problem document, in this one place. Anything else (a bug, an unexpected library error) is a 503 with
 * Retry-After, never a 500: the HR system retries, and nothing was acknowledged.
 */
import { InputError, MethodNotAllowedError, SignatureError, ValidationError } from '../errors.js';
import type { Logger } from '../logger.js';
import { problem, type HttpResponse } from './http-event.js';

/**
 * The answer to a refused request, logged at `info` (a refusal is the caller's problem, not ours) or `error`.
 * A 401 says which check failed in a short reason that reveals no secret and no expected value (e.g. "missing
 * webhook-signature", "webhook-timestamp outside the 5-minute replay window", "no webhook-signature entry
 * matches"); the messages of SignatureError are written to be safe to return.
 */
/** Characters of a refusal's detail that are logged. */
export const MAX_LOGGED_DETAIL = 300;

export function refusal(err: unknown, log: Logger, source: string | undefined): HttpResponse {
  if (!(err instanceof InputError)) {
    log.error('unexpected failure: answering 503', { source, error: err });
    return problem(503, { detail: 'temporarily unavailable; retry later' }, { 'retry-after': '5' });
  }
  // Details can quote what the caller sent (a content type, a path): bounded in the log line.
  log.info('refused', {
    source,
    status: err.status,
    code: err.code,
    detail: err.message.slice(0, MAX_LOGGED_DETAIL),
    issues: err instanceof ValidationError ? err.issues.slice(0, 50) : undefined,
  });
  if (err instanceof MethodNotAllowedError) return problem(405, { detail: err.message }, { allow: err.allow.join(', ') });
  if (err instanceof ValidationError) return problem(400, { detail: err.message, errors: err.issues });
  if (err instanceof SignatureError) return problem(401, { detail: err.message }, { 'www-authenticate': 'Signature' });
  return problem(err.status, { detail: err.message });
}
