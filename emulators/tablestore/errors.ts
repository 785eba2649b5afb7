/**
 * Tablestore API errors: the codes, HTTP statuses and messages the service answers, and the error class every layer
 * of the emulator throws. The server answers them as the protobuf `Error {code, message}` body with that status.
 *
 * Sources: https://www.alibabacloud.com/help/en/tablestore/developer-reference/error-codes and the assertions of the
 * Tablestore Python SDK tests (`assert_error(e, status, code, message)`), e.g.
 * https://github.com/aliyun/aliyun-tablestore-python-sdk (tests/filter_and_condition_update_unitttest.py).
 * Statuses not confirmed by any source are marked "unverified" below; the SDK exposes only the status number as
 * `err.code` and the code string inside `err.message`, so a client that matches the code string works either way.
 */

/** An error answered as protobuf `Error {code, message}` with `httpStatus`. */
export class OtsError extends Error {
  constructor(
    readonly code: string,
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
    this.name = 'OtsError';
  }
}

/** Status and default message per code. */
export const OTS_ERRORS: Readonly<Record<string, { httpStatus: number; message: string }>> = Object.freeze({
  OTSAuthFailed: { httpStatus: 403, message: 'Signature mismatch.' },
  OTSNoPermissionAccess: { httpStatus: 403, message: 'You have no permission to access the requested resource, please contact the resource owner' },
  OTSMissingHeader: { httpStatus: 400, message: 'Missing header.' },
  OTSMethodNotAllowed: { httpStatus: 405, message: 'Only POST method for requests is supported.' },
  OTSUnsupportOperation: { httpStatus: 400, message: 'Unsupported operation.' },
  OTSRequestBodyTooLarge: { httpStatus: 413, message: 'The size of POST data is too large.' },
  OTSRequestTimeout: { httpStatus: 408, message: 'Request timeout.' },
  OTSParameterInvalid: { httpStatus: 400, message: 'The input parameter is invalid.' },
  OTSInvalidPK: { httpStatus: 400, message: 'Primary key schema mismatch.' },
  OTSOutOfColumnCountLimit: { httpStatus: 400, message: 'The number of columns from the request exceeds the limit.' },
  OTSOutOfRowSizeLimit: { httpStatus: 400, message: 'The total data size of columns in one row exceeded the limit.' },
  OTSObjectNotExist: { httpStatus: 404, message: 'Requested table does not exist.' },
  OTSObjectAlreadyExist: { httpStatus: 409, message: 'Requested table already exists.' },
  OTSConditionCheckFail: { httpStatus: 403, message: 'Condition check failed.' },
  OTSTableNotReady: { httpStatus: 404, message: 'The table is not ready.' },
  OTSServerBusy: { httpStatus: 503, message: 'Server is busy.' },
  OTSPartitionUnavailable: { httpStatus: 503, message: 'The partition is not available.' },
  OTSServerUnavailable: { httpStatus: 503, message: 'Server is unavailable.' },
  OTSTimeout: { httpStatus: 503, message: 'Operation timeout.' },
  OTSInternalServerError: { httpStatus: 500, message: 'Internal server error.' },
  OTSRowOperationConflict: { httpStatus: 409, message: 'Data is being modified by the other request.' },
  OTSNotEnoughCapacityUnit: { httpStatus: 403, message: 'Remaining capacity unit is not enough.' },
  /** "Too frequent table operations." is the message the SDKs' retry rules look for; status unverified. */
  OTSQuotaExhausted: { httpStatus: 403, message: 'Too frequent table operations.' },
  /** Status unverified. */
  OTSOperationThrottled: { httpStatus: 503, message: 'Table or row operations are throttled.' },
  OTSTooFrequentReservedThroughputAdjustment: { httpStatus: 403, message: 'Reserved throughput adjustment is too frequent.' },
});

/** A documented error by code, with its status and message (the message can be overridden). */
export function otsError(code: keyof typeof OTS_ERRORS & string, message?: string): OtsError {
  const known = OTS_ERRORS[code];
  return new OtsError(code, known?.httpStatus ?? 400, message ?? known?.message ?? code);
}

/** OTSParameterInvalid 400 with a message. */
export function invalid(message: string): OtsError {
  return otsError('OTSParameterInvalid', message);
}

/** The message of an injected fault's code: the rule's, else the documented one, else the code itself. */
export function messageForCode(code: string, message?: string): string {
  return message ?? OTS_ERRORS[code]?.message ?? code;
}
