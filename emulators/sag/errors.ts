/**
 * Smart Access Gateway API error codes and their documented messages (the smartag 2018-03-13 API pages, e.g. https://www.alibabacloud.com/help/doc-detail/120685.html).
 * All are HTTP 400 in the documentation. `ClientUser.UserNotExist`, `ClientUser.TrafficUsedInCurrentCycle` and the
 * `SAG.InstanceIdEmpty` message are the emulator's own (the docs name no code / give no message); see README.md.
 * `Forbbiden.SubUser` (sic) is the documented code of Enable/DisableSmartAccessGatewayUser, for injected faults.
 */

export const SAG_ERROR_MESSAGES = Object.freeze({
  'SAG.InstanceNoFound': 'The specified SAG instance does not exist.',
  'SAG.InstanceIdEmpty': 'You must specify the SAG instance ID.',
  'SAG.CidrEmpty': 'You must specify the CIDR blocks of SAG.',
  'SAG.CidrOverlap': 'The specified CIDR overlaps with an existing CIDR.',
  'ClientUser.BandwidthInvalid': 'The specified Bandwidth is invalid.',
  'ClientUser.EmailEmpty': 'You must specify UserEmail.',
  'ClientUser.EmailInvalid': 'The format of the specified UserEmail is invalid.',
  'ClientUser.InvalidClientIp': 'The specified ClientIp is invalid.',
  'ClientUser.IpEmpty': 'You must specify ClientIp.',
  'ClientUser.IpInvalid': 'The specified ClientIp is invalid.',
  'ClientUser.NameEmpty': 'You must specify UserName.',
  'ClientUser.NameInvalid': 'The specified UserName is invalid.',
  'ClientUser.UserExist': 'The specified user already exists.',
  'ClientUser.UserOverLimit': 'The maximum number of users is exceeded.',
  'ClientUser.NotSupportAction': 'You cannot create a user in the current SAG instance.',
  'ClientUser.UserNotExist': 'The specified user does not exist.',
  'ClientUser.TrafficUsedInCurrentCycle':
    'The client account has used traffic in the current billing cycle and cannot be deleted. Disable it and delete it in the next billing cycle.',
  'Forbbiden.SubUser': 'You are not authorized to operate on the specified resource.',
});

export type SagErrorCode = keyof typeof SAG_ERROR_MESSAGES;

/** An error of the SAG API (answered as the POP error envelope, HTTP 400 unless stated). */
export class SagApiError extends Error {
  readonly httpStatus: number;

  constructor(
    readonly code: SagErrorCode,
    message?: string,
    httpStatus = 400,
  ) {
    super(message ?? SAG_ERROR_MESSAGES[code]);
    this.name = 'SagApiError';
    this.httpStatus = httpStatus;
  }
}

/** Bad seeding input (config file, admin API, helpers): not an API error. */
export class SagConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SagConfigError';
  }
}
