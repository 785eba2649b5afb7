/**
 * The SAG client-user actions (smartag 2018-03-13): wire parameters → {@link SagStore} operations → response fields
 * (https://www.alibabacloud.com/help/en/sag/developer-reference/api-smartag-2018-03-13-describesmartaccessgatewayclientusers
 * and the neighbouring API pages). Parameter names are case-sensitive as on the wire (`SmartAGId`, `UserMail`,
 * `Email` on Modify, `Username` on KickOutClients).
 */
import { invalidParameter, missingParameter } from '../common/pop-rpc.js';
import type { SagStore, SagUser } from './sag-store.js';

export const SAG_API_VERSION = '2018-03-13';

export const SAG_ACTIONS = [
  'CreateSmartAccessGatewayClientUser',
  'DescribeSmartAccessGatewayClientUsers',
  'DeleteSmartAccessGatewayClientUser',
  'ModifySmartAccessGatewayClientUser',
  'ResetSmartAccessGatewayClientUserPassword',
  'EnableSmartAccessGatewayUser',
  'DisableSmartAccessGatewayUser',
  'KickOutClients',
  'RoamClientUser',
  'DescribeSmartAccessGatewayAttribute',
] as const;

export type SagAction = (typeof SAG_ACTIONS)[number];

/** Describe paging: documented defaults (PageNumber 1, PageSize 10) and the older documented maximum (100). */
export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 100;

type Params = Readonly<Record<string, string>>;

/** A parameter, with an empty value taken as absent. */
function optional(params: Params, name: string): string | undefined {
  const v = params[name];
  return v === undefined || v === '' ? undefined : v;
}

function required(params: Params, name: string): string {
  const v = params[name];
  if (v === undefined || v === '') throw missingParameter(name);
  return v;
}

/** Non-integers become NaN, which the store answers with ClientUser.BandwidthInvalid after the instance checks. */
function bandwidthOf(value: string): number {
  return /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
}

function pageParam(params: Params, name: string, fallback: number, max: number): number {
  const v = optional(params, name);
  if (v === undefined) return fallback;
  if (!/^\d{1,9}$/.test(v) || Number(v) < 1 || Number(v) > max) throw invalidParameter(name, `It must be an integer from 1 to ${max}.`);
  return Number(v);
}

function userFields(user: SagUser): { UserName: string; UserMail: string; Bandwidth: number; ClientIp: string } {
  return { UserName: user.userName, UserMail: user.userMail, Bandwidth: user.bandwidth, ClientIp: user.clientIp };
}

function createUser(store: SagStore, params: Params): object {
  const regionId = required(params, 'RegionId');
  const bandwidth = optional(params, 'Bandwidth');
  const user = store.createUser(regionId, params.SmartAGId ?? '', {
    userMail: params.UserMail,
    bandwidth: bandwidth === undefined ? undefined : bandwidthOf(bandwidth),
    userName: optional(params, 'UserName'),
    password: optional(params, 'Password'),
    clientIp: params.ClientIp,
  });
  return { ...userFields(user), IsStaticIp: user.isStaticIp ? 1 : 0 };
}

/**
 * DescribeSmartAccessGatewayAttribute, the fields of an app instance only: `UserCount` is documented as "the number
 * of client accounts for the Smart Access Gateway instance"
 * (https://www.alibabacloud.com/help/en/sag/developer-reference/api-smartag-2018-03-13-describesmartaccessgatewayattribute);
 * the emulator answers the instance's purchased number (its `userQuota`), the reading the doctor relies on.
 */
function describeAttribute(store: SagStore, params: Params): object {
  const i = store.describeInstance(required(params, 'RegionId'), required(params, 'SmartAGId'));
  return { SmartAGId: i.id, Status: 'Active', CidrBlock: i.cidr ?? '', UserCount: i.userQuota };
}

function describeUsers(store: SagStore, params: Params): object {
  const regionId = required(params, 'RegionId');
  const pageNumber = pageParam(params, 'PageNumber', 1, 1_000_000_000);
  const pageSize = pageParam(params, 'PageSize', DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  const result = store.describeUsers(regionId, params.SmartAGId ?? '', {
    userName: optional(params, 'UserName'),
    userMail: optional(params, 'UserMail'),
    pageNumber,
    pageSize,
  });
  return {
    TotalCount: result.totalCount,
    PageNumber: pageNumber,
    PageSize: pageSize,
    Users: { User: result.users.map((u) => ({ ...userFields(u), IsStaticIp: u.isStaticIp ? 1 : 0, State: u.state })) },
  };
}

/**
 * Applies one action to the store and returns the response fields (without `RequestId`). Throws
 * {@link SagApiError} or a common POP error (MissingParameter, InvalidParameter) on invalid calls.
 */
export function dispatchSagAction(store: SagStore, action: string, params: Params): object {
  switch (action as SagAction) {
    case 'CreateSmartAccessGatewayClientUser':
      return createUser(store, params);
    case 'DescribeSmartAccessGatewayClientUsers':
      return describeUsers(store, params);
    case 'DeleteSmartAccessGatewayClientUser':
      store.deleteUser(required(params, 'RegionId'), params.SmartAGId ?? '', params.UserName);
      return {};
    case 'ModifySmartAccessGatewayClientUser': {
      const bandwidth = optional(params, 'Bandwidth');
      const user = store.modifyUser(required(params, 'RegionId'), params.SmartAGId ?? '', params.UserName, {
        bandwidth: bandwidth === undefined ? undefined : bandwidthOf(bandwidth),
        email: optional(params, 'Email'),
      });
      return userFields(user);
    }
    case 'ResetSmartAccessGatewayClientUserPassword':
      store.resetPassword(required(params, 'RegionId'), params.SmartAGId ?? '', params.UserName, optional(params, 'Password'));
      return {};
    case 'EnableSmartAccessGatewayUser':
    case 'DisableSmartAccessGatewayUser':
      store.setUserState(required(params, 'RegionId'), params.SmartAGId ?? '', params.UserName, action === 'EnableSmartAccessGatewayUser' ? 0 : 1);
      return {};
    case 'KickOutClients':
      // Documented as `Username` (lower-case n), unlike the other client-user actions' `UserName`.
      store.kickOut(required(params, 'RegionId'), params.SmartAGId ?? '', params.Username);
      return {};
    case 'DescribeSmartAccessGatewayAttribute':
      return describeAttribute(store, params);
    case 'RoamClientUser':
      store.roamUser({
        regionId: required(params, 'RegionId'),
        targetSmartAGId: required(params, 'TargetSmartAGId'),
        originRegionId: required(params, 'OriginRegionId'),
        originSmartAGId: required(params, 'OriginSmartAGId'),
        userName: required(params, 'UserName'),
      });
      return {};
  }
  // The protocol only lets known actions through; this is a programming error.
  throw new Error(`unhandled SAG action ${action}`);
}
