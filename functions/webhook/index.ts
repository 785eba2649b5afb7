/**
 * FC 3.0 HTTP-triggered function: HR webhooks in, canonical events onto the queues.
 * Handler: `index.handler`. Everything it does lives in shared/webhook (see webhook.ts for the answer table).
 */
import { createWebhookHandler } from '../../shared/index.js';

export const handler = createWebhookHandler();
