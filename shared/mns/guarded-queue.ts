/**
 * Queue sends through the function instance's breaker (shared/breaker.ts), as SAG calls are: a failure that every
 * send would get is systemic, not a property of the message.
 *
 * | MNS code | scope | |
 * | --- | --- | --- |
 * | `AccessDenied`, `InvalidAccessKeyId`, `SignatureDoesNotMatch` | `mns:account` | the credentials or the role's permission |
 * | `QueueNotExist` | `mns:queue:<name>` | that queue only; sends to the other queues go on |
 *
 * Codes: https://www.alibabacloud.com/help/doc-detail/27501.html. While a scope is open, a send to it fails at
 * once with the SystemicError (one probe at growing intervals; the breaker logs one line per cause and minute).
 * What the caller does with it is unchanged: a worker step that forwards (enrich → join) re-enqueues its own
 * message with the breaker's delay and its retry budget untouched; a failed re-enqueue or dead letter leaves the
 * batch to the trigger's redelivery, as any failed send does.
 */
import type { Breaker } from '../breaker.js';
import { ProcessingError } from '../errors.js';
import type { QueueSender, SendOptions } from './queue.js';

/** The breaker scope of every MNS call of the account. */
export const MNS_ACCOUNT_SCOPE = 'mns:account';

const ACCOUNT_CODES: Record<string, string> = {
  AccessDenied: 'grant the function role mns:SendMessage on the queues (RAM policy)',
  InvalidAccessKeyId: 'the AccessKey does not exist or is disabled: check the function role or the configured AccessKey',
  SignatureDoesNotMatch: 'the AccessKey secret does not match its id: check the configured credentials',
};

/** `sender` with every send admitted by `breaker`, systemic refusals opening it and successes closing it. */
export function guardedQueue(sender: QueueSender, breaker: Breaker): QueueSender {
  return {
    async send(queue: string, message: unknown, options?: SendOptions) {
      const scopes = [MNS_ACCOUNT_SCOPE, `mns:queue:${queue}`];
      const admission = breaker.admit(scopes);
      try {
        const sent = await sender.send(queue, message, options);
        breaker.succeeded(scopes);
        return sent;
      } catch (err) {
        const code = err instanceof ProcessingError ? err.details.upstreamCode : undefined;
        const fix =
          code === 'QueueNotExist'
            ? `create the queue ${queue} (npx hr-sag-sync setup) or fix its name in the function's variables`
            : ACCOUNT_CODES[code ?? ''];
        if (!code || !fix) {
          breaker.released(scopes);
          throw err;
        }
        const scope = code === 'QueueNotExist' ? `mns:queue:${queue}` : MNS_ACCOUNT_SCOPE;
        throw breaker.trip(scope, { reason: `mns.${code}`, message: `${code}: ${(err as Error).message}`, fix, upstreamCode: code }, admission);
      }
    },
  };
}
