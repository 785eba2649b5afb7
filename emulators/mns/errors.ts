/**
 * MNS API errors: the codes, HTTP statuses and messages of the data-plane API (https://www.alibabacloud.com/help/doc-detail/27501.html), and the error
 * class every layer of the emulator throws. The server answers them as the documented `<Error>` XML document.
 */

/** An MNS error answered as `<Error><Code>…</Code><Message>…</Message>…</Error>` with `httpStatus`. */
export class MnsApiError extends Error {
  constructor(
    readonly code: string,
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
    this.name = 'MnsApiError';
  }
}

/** Status and message per documented code (the messages as the service words them, typos included). */
export const MNS_ERRORS: Readonly<Record<string, { httpStatus: number; message: string }>> = Object.freeze({
  AccessDenied: { httpStatus: 403, message: 'The OwnerId that your Access Key Id associated to is forbidden for this operation.' },
  InvalidAccessKeyId: { httpStatus: 403, message: 'The AccessKey Id you provided is not exist.' },
  InternalError: { httpStatus: 500, message: 'Interal error.' },
  InternalServerError: { httpStatus: 500, message: 'Internal server error.' },
  ServiceUnavailable: { httpStatus: 503, message: 'The service is unavailable now, please try again later.' },
  InvalidAuthorizationHeader: { httpStatus: 400, message: 'The Authorization header format is invalid.' },
  InvalidDateHeader: { httpStatus: 400, message: 'The Date header format is invalid.' },
  InvalidArgument: { httpStatus: 400, message: "The XML you provided doesn't validate." },
  InvalidDegist: { httpStatus: 400, message: 'The Content-MD5 you specified is invalid.' },
  InvalidRequestURL: { httpStatus: 400, message: 'The request URL is invalid.' },
  InvalidQueryString: { httpStatus: 400, message: 'The query string is invalid.' },
  MalformedXML: { httpStatus: 400, message: 'The XML you provided was not well-formed.' },
  MissingAuthorizationHeader: { httpStatus: 400, message: 'The Authorization header you provided is missing.' },
  MissingDateHeader: { httpStatus: 400, message: 'The Date header you provided is missing.' },
  MissingVersionHeader: { httpStatus: 400, message: 'The x-mns-version header you provided is missing.' },
  MissingReceiptHandle: { httpStatus: 400, message: 'The receipt handle you provided is missing.' },
  MissingVisibilityTimeout: { httpStatus: 400, message: 'The visibility timeout you provided is missing.' },
  MessageNotExist: { httpStatus: 404, message: 'Message not exist.' },
  QueueAlreadyExist: { httpStatus: 409, message: 'The queue you want to create already exists.' },
  QueueDeletedRecently: { httpStatus: 400, message: 'The queue with the same name was deleted recently.' },
  InvalidQueueName: { httpStatus: 400, message: 'The queue name you provided is invalid.' },
  QueueNameLengthError: { httpStatus: 400, message: 'The length of queue name should be between 1 and 120.' },
  QueueNotExist: { httpStatus: 404, message: 'The queue name you provided is not exist.' },
  ReceiptHandleError: { httpStatus: 400, message: 'The receipt handle you provide is not valid.' },
  SignatureDoesNotMatch: { httpStatus: 403, message: 'The request signature we calculated does not match the signature you provided.' },
  TimeExpired: { httpStatus: 408, message: 'The http request you sent is expired.' },
  TooManyRequests: { httpStatus: 429, message: 'The request is denied by cluster flow limiter for too many requests.' },
  QpsLimitExceeded: { httpStatus: 400, message: 'The QPS of the queue exceeds the limit.' },
});

/** A documented error by code, with its usual status and message (the message can be overridden). */
export function mnsError(code: keyof typeof MNS_ERRORS & string, message?: string): MnsApiError {
  const known = MNS_ERRORS[code];
  return new MnsApiError(code, known?.httpStatus ?? 400, message ?? known?.message ?? code);
}

/** The message for an injected fault's code: the rule's, else the documented one, else the code itself. */
export function messageForCode(code: string, message?: string): string {
  return message ?? MNS_ERRORS[code]?.message ?? code;
}
