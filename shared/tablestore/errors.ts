/**
 * Tablestore failures, classified in one place. A non-2xx answer carries a protobuf `Error{code, message}` body
 * (https://www.alibabacloud.com/help/en/tablestore/developer-reference/error-codes); transport failures have
 * synthetic codes (`RequestTimeout`, `ECONNRESET`, …).
 *
 * - `condition`: `OTSConditionCheckFail`, the row was not as the write expected (another writer won a race).
 * - `throttled`: refused for capacity or rate; nothing was done.
 * - `transient`: refused before doing anything (server busy, partition unavailable, connection refused).
 * - `unknown`: the write may or may not have been applied (timeout, reset, 5xx without a code).
 * - `systemic`: every call will fail the same way until an operator acts (credentials, permission, no table).
 * - `permanent`: this request is wrong (parameters, primary key); retrying cannot help.
 *
 * The HTTP statuses of some codes (`OTSRowOperationConflict`, `OTSTableNotReady`, `OTSOperationThrottled`) are not
 * documented, so classification reads the code, never the status.
 */
export type TablestoreErrorKind = 'condition' | 'throttled' | 'transient' | 'unknown' | 'systemic' | 'permanent';

const KINDS: Record<string, TablestoreErrorKind> = {
  OTSConditionCheckFail: 'condition',
  OTSServerBusy: 'throttled',
  OTSNotEnoughCapacityUnit: 'throttled',
  OTSOperationThrottled: 'throttled',
  OTSQuotaExhausted: 'throttled',
  OTSTooFrequent: 'throttled',
  OTSRowOperationConflict: 'transient',
  OTSPartitionUnavailable: 'transient',
  OTSTableNotReady: 'transient',
  OTSServerUnavailable: 'transient',
  OTSTimeout: 'unknown',
  OTSInternalServerError: 'unknown',
  OTSAuthFailed: 'systemic',
  OTSNoPermissionAccess: 'systemic',
  OTSObjectNotExist: 'systemic',
};

const REFUSED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export class TablestoreError extends Error {
  override readonly name = 'TablestoreError';
  readonly kind: TablestoreErrorKind;
  constructor(
    /** The OTS code (`OTSConditionCheckFail`) or a transport one (`RequestTimeout`, `ECONNRESET`, `HTTP502`). */
    readonly code: string,
    message: string,
    readonly httpStatus?: number,
    readonly requestId?: string,
  ) {
    super(message);
    this.kind = classify(code, httpStatus);
  }
}

function classify(code: string, status?: number): TablestoreErrorKind {
  const known = KINDS[code];
  if (known) return known;
  if (REFUSED.has(code)) return 'transient';
  if (code === 'RequestTimeout' || /^E[A-Z]+$/.test(code)) return 'unknown';
  if (status !== undefined && status >= 500) return 'unknown';
  if (status === 429) return 'throttled';
  return 'permanent';
}
