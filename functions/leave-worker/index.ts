/**
 * FC 3.0 Simple Message Queue-triggered function for the leave queue: a leaver's accounts are disabled and their
 * sessions closed on every SAG instance, then deleted in the next billing cycle (shared/workers/leave.ts), on the
 * shared worker runtime. Handler: `index.handler`.
 */
import { createWorkerHandler, leaveWorker } from '../../shared/index.js';

export const handler = createWorkerHandler(leaveWorker);
