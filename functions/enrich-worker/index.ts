/**
 * FC 3.0 Simple Message Queue-triggered function for the enrich queue: thin DingTalk/WeCom events are completed
 * from the HR API and routed to the join or transfer queue (shared/workers/enrich.ts), on the shared worker
 * runtime. Handler: `index.handler`.
 */
import { createWorkerHandler, enrichWorker } from '../../shared/index.js';

export const handler = createWorkerHandler(enrichWorker);
