/**
 * FC 3.0 Simple Message Queue-triggered function for the join queue: `employee.joined` → a SAG client account,
 * exactly once (shared/workers/join.ts), on the shared worker runtime. Handler: `index.handler`.
 */
import { createWorkerHandler, joinWorker } from '../../shared/index.js';

export const handler = createWorkerHandler(joinWorker);
