/**
 * Honouring one fault decision (emulators/common/faults.ts) for one request, the same way for the XML data plane and
 * the JSON management API: delay before (the call is not applied if the client left meanwhile); connection reset
 * before applying; an HTML 502 page; an injected API error; otherwise apply, then reset the connection (`reset:
 * "after"`) or hold the answer for `delayAfterMs` before sending it.
 */
import type http from 'node:http';
import type { FaultDecision, FaultErrorSpec } from '../common/faults.js';
import { sendHtml502, sleep } from '../common/http.js';

/** A response computed but not yet written (so that it can be held back or dropped). */
export type Reply = (res: http.ServerResponse) => void;

/** Writes a reply unless the connection is gone or something was already answered. */
export function writeReply(res: http.ServerResponse, reply: Reply): void {
  if (res.destroyed || res.headersSent || res.writableEnded) return;
  reply(res);
}

/** Destroys the connection with a TCP RST where Node supports it (the client sees ECONNRESET). */
export function resetSocket(req: http.IncomingMessage, res: http.ServerResponse): void {
  const socket = req.socket as typeof req.socket & { resetAndDestroy?: () => void };
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
  if (!res.destroyed) res.destroy();
}

export interface FaultedCall {
  /** Applies the request and returns its answer; must not throw (errors become replies). */
  apply(): Promise<Reply>;
  /** The answer for an injected error. */
  fault(spec: FaultErrorSpec): Reply;
}

/** Serves one request under `decision`. Never throws. */
export async function serveWithFaults(req: http.IncomingMessage, res: http.ServerResponse, decision: FaultDecision, call: FaultedCall): Promise<void> {
  if (decision.delayMs > 0) {
    await sleep(decision.delayMs);
    if (res.destroyed || req.socket.destroyed) return;
  }
  if (decision.reset === 'before') return resetSocket(req, res);
  if (decision.html502) {
    if (!res.destroyed && !res.headersSent) sendHtml502(res);
    return;
  }
  if (decision.error) return writeReply(res, call.fault(decision.error));
  const reply = await call.apply();
  if (decision.reset === 'after') return resetSocket(req, res);
  if (decision.delayAfterMs > 0) await sleep(decision.delayAfterMs);
  writeReply(res, reply);
}
