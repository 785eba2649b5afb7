/**
 * FC 3.0 timer-triggered function: the scheduled reconcile of the HR roster against SAG (shared/reconcile/timer.ts:
 * parse the timer event, reconcile, map the outcome). Handler: `index.handler`.
 */
import { createReconcileHandler } from '../../shared/index.js';

export const handler = createReconcileHandler();
