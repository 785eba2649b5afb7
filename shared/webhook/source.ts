/**
 * A source adapter: one per HR system. It verifies the request on the raw bytes, decrypts it, and normalises it
 * to {@link InboundEvent}s. It does no I/O: the webhook core routes, enqueues and then asks the adapter for the
 * answer in the source's own format (DingTalk, for one, wants an encrypted "success").
 * Adapters throw InputError subclasses (SignatureError, DecryptError, ValidationError, …) for bad input.
 */
import type { Source } from '../events.js';
import type { InboundEvent } from '../routing.js';
import type { HttpResponse, WebhookRequest } from './http-event.js';

export interface AcceptResult {
  /** Canonical event ids, in the order of the events. */
  eventIds: string[];
  /** What was done per event: `join`, `transfer`, `dead-lettered`, `noop`, `duplicate`, `ignored`. */
  actions: string[];
}

export type Received =
  | { kind: 'reply'; response: HttpResponse }
  | {
      kind: 'events';
      events: InboundEvent[];
      /** Why nothing is to be done, when `events` is empty (e.g. an event type we ignore). */
      ignored?: string;
      /** Identifies this delivery for replay detection: the same key twice within the window is a replay. */
      replayKey?: string;
      respond(result: AcceptResult): HttpResponse;
    };

export interface SourceAdapter {
  readonly name: Source;
  /** Accepted HTTP methods (others get 405). */
  readonly methods: readonly string[];
  receive(req: WebhookRequest, nowMs: number): Received;
}
