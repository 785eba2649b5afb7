/**
 * FC 3.0 Simple Message Queue-triggered function for the transfer queue: `employee.transferred` → RoamClientUser,
 * converging under duplicates and reordering (shared/workers/transfer.ts), on the shared worker runtime.
 * Handler: `index.handler`.
 */
import { createWorkerHandler, transferWorker } from '../../shared/index.js';

export const handler = createWorkerHandler(transferWorker);
