/**
 * Thrown by a worker invocation when some message could neither be finished, re-enqueued nor dead-lettered
 * (the queue was unreachable even after the queue client's retries). The trigger then redelivers the whole batch;
 * messages that had finished reconcile as already done.
 */
export class LostMessagesError extends Error {
  override readonly name: string = 'LostMessagesError';
  constructor(
    /** How many messages of the batch were lost. */
    readonly lost: number,
    message = `${lost} message(s) could neither be finished, re-enqueued nor dead-lettered; the trigger will redeliver the batch`,
  ) {
    super(message);
  }
}
