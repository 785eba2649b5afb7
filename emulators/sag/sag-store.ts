/**
 * The Smart Access Gateway domain: SAG app instances and their client users, with the API's rules (the smartag
 * 2018-03-13 API pages, https://www.alibabacloud.com/help/en/sag/developer-reference/api-smartag-2018-03-13-deletesmartaccessgatewayclientuser
 * and its neighbours). Pure (no HTTP); the clocks (requests, billing cycle) are injected. API failures are thrown as {@link SagApiError}, bad seeding input
 * as {@link SagConfigError}.
 *
 * Every user holds a client IP of its instance's CIDR: a static one given by the caller, or one allocated by the
 * emulator (IsStaticIp 0). Users are kept per instance in creation order with O(1) lookups by name and by mail.
 */
import crypto from 'node:crypto';
import { billingCycleOf } from './billing-cycle.js';
import { SagApiError, SagConfigError } from './errors.js';
import { formatIpv4, isHostOf, isPrivateCidr, parseCidr, parseIpv4, type Cidr } from './ipv4.js';
import { CREATE_PASSWORD_RE, RESET_PASSWORD_RE, isValidEmail, isValidLookupName, isValidUserName } from './rules.js';
import { invalidParameter, missingParameter } from '../common/pop-rpc.js';

/** An instance as seeded (config file, admin API, options). Omitted fields take the defaults noted. */
export interface SagInstanceInput {
  /** e.g. `sag-gnhe6sywtare5xxxxx` */
  id: string;
  /** Default: the emulator's region. */
  regionId?: string;
  /** Private IPv4 CIDR (RFC 1918, /8–/30) for client IPs, or null (Create/Roam then answer `SAG.CidrEmpty`). Default null. */
  cidr?: string | null;
  /** Most client users (default 2000). */
  userQuota?: number;
  /** Whether client users may be created/roamed in (default true; false → `ClientUser.NotSupportAction`). */
  allowClientUsers?: boolean;
  /** Roaming into or out of this instance answers `SAG.CidrOverlap` (default false). */
  roamCidrOverlap?: boolean;
  /** Users to create at seeding time. */
  users?: SagUserSeed[];
}

/** An instance's settings. */
export interface SagInstance {
  id: string;
  regionId: string;
  cidr: string | null;
  userQuota: number;
  allowClientUsers: boolean;
  roamCidrOverlap: boolean;
}

/** A user as seeded directly (no API call). */
export interface SagUserSeed {
  /** Default: the mail. */
  userName?: string;
  userMail: string;
  /** Kbps, default min(2000, max). */
  bandwidth?: number;
  /** Default: generated. */
  password?: string;
  /** Static IP; default: allocated. */
  clientIp?: string;
  /** 0 enabled (default), 1 disabled. */
  state?: 0 | 1;
}

/** A client user as the emulator reports it (passwords are never reported). */
export interface SagUser {
  userName: string;
  userMail: string;
  bandwidth: number;
  clientIp: string;
  isStaticIp: boolean;
  /** 0 enabled, 1 disabled (the API's `State`). */
  state: 0 | 1;
  createdAt: string;
  /** Set on accounts copied in by RoamClientUser. */
  roamedFrom?: { regionId: string; smartAGId: string };
  /** Open client sessions (seeded through the admin API; KickOutClients closes them). Absent when none. */
  online?: SagSession[];
  /** When the account last used traffic (ISO 8601). Absent when never. */
  lastTrafficAt?: string;
}

/** One connected client of an account. */
export interface SagSession {
  clientIp: string;
  connectedAt: string;
}

/** CreateSmartAccessGatewayClientUser's business parameters (already type-parsed). */
export interface CreateUserInput {
  userMail?: string;
  /** Kbps; undefined answers MissingParameter (after the instance and mail checks). */
  bandwidth: number | undefined;
  userName?: string;
  password?: string;
  clientIp?: string;
}

export interface DescribeUsersInput {
  userName?: string;
  userMail?: string;
  pageNumber: number;
  pageSize: number;
}

export interface DescribeUsersResult {
  totalCount: number;
  users: SagUser[];
}

export interface ModifyUserInput {
  bandwidth?: number;
  email?: string;
}

export interface RoamUserInput {
  regionId: string;
  targetSmartAGId: string;
  originRegionId: string;
  originSmartAGId: string;
  userName: string;
}

/** The whole state, for `GET /__admin/state` and tests. */
export interface SagSnapshot {
  regionId: string;
  maxBandwidthKbps: number;
  instances: Array<SagInstance & { userCount: number; users: SagUser[] }>;
}

export interface SagStoreOptions {
  /** Region of instances seeded without one (default `cn-shanghai`). */
  regionId?: string;
  /** Largest Bandwidth accepted, Kbps (default 2000, per the API page). */
  maxBandwidthKbps?: number;
  /** Instances restored by {@link SagStore.reset}. */
  initialInstances?: SagInstanceInput[];
  now?: () => number;
  /** Clock of the billing cycle (default: `now`). */
  billingNow?: () => number;
}

interface UserRecord {
  userName: string;
  userMail: string;
  bandwidth: number;
  ip: number;
  /** `ip` formatted once. */
  clientIp: string;
  isStaticIp: boolean;
  state: 0 | 1;
  passwordHash: string;
  /** ISO 8601, formatted once. */
  createdAt: string;
  roamedFrom?: { regionId: string; smartAGId: string };
  sessions: SagSession[];
  /** Epoch ms of the last traffic, if any. */
  trafficAt?: number;
}

interface InstanceRecord {
  info: SagInstance;
  range: Cidr | undefined;
  users: Map<string, UserRecord>;
  byMail: Map<string, Set<string>>;
  usedIps: Set<number>;
  /** Next address to try when allocating. */
  cursor: number;
}

const DEFAULT_BANDWIDTH = 2000;
const DEFAULT_QUOTA = 2000;
const MAX_QUOTA = 10_000_000;

function hashPassword(password: string): string {
  return crypto.createHash('sha256').update(password).digest('base64');
}

function generatePassword(): string {
  // Starts with a letter, then letters/digits: valid for both password formats.
  return `P${crypto.randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
}

/** Instances and client users of one emulator. */
export class SagStore {
  readonly regionId: string;
  readonly maxBandwidthKbps: number;
  private readonly now: () => number;
  /** The billing cycle's clock; replaceable at run time (admin API). */
  billingNow: () => number;
  private readonly initial: SagInstanceInput[];
  private instances = new Map<string, InstanceRecord>();

  constructor(options: SagStoreOptions = {}) {
    this.regionId = options.regionId ?? 'cn-shanghai';
    this.maxBandwidthKbps = options.maxBandwidthKbps ?? DEFAULT_BANDWIDTH;
    if (!Number.isInteger(this.maxBandwidthKbps) || this.maxBandwidthKbps < 1) throw new SagConfigError('maxBandwidthKbps must be a positive integer');
    this.now = options.now ?? Date.now;
    this.billingNow = options.billingNow ?? this.now;
    this.initial = structuredClone(options.initialInstances ?? []);
    this.reset();
  }

  /** Back to the initial instances (and their seeded users); everything else is dropped. */
  reset(): void {
    this.instances = new Map();
    for (const input of this.initial) this.addInstance(structuredClone(input));
  }

  // ---- seeding ---------------------------------------------------------------------------------------------

  /** Removes an instance and its users, as if it were deleted (calls naming it then get SAG.InstanceNoFound). */
  removeInstance(id: string): void {
    if (!this.instances.delete(id)) throw new SagConfigError(`unknown instance ${id}`);
  }

  /** Adds an instance (and its seeded users). Throws SagConfigError on bad input or a duplicate id. */
  addInstance(input: SagInstanceInput): SagInstance {
    if (input === null || typeof input !== 'object') throw new SagConfigError('an instance must be an object');
    const known = new Set(['id', 'regionId', 'cidr', 'userQuota', 'allowClientUsers', 'roamCidrOverlap', 'users']);
    for (const k of Object.keys(input)) if (!known.has(k)) throw new SagConfigError(`unknown instance field "${k}"`);
    const { id } = input;
    if (typeof id !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(id)) throw new SagConfigError('instance id must be 1–64 characters of [A-Za-z0-9._-]');
    if (this.instances.has(id)) throw new SagConfigError(`instance ${id} already exists`);
    const regionId = input.regionId ?? this.regionId;
    if (typeof regionId !== 'string' || !/^[a-z0-9-]{2,64}$/.test(regionId)) throw new SagConfigError(`instance ${id}: regionId must look like cn-shanghai`);
    let range: Cidr | undefined;
    if (input.cidr !== undefined && input.cidr !== null) {
      range = typeof input.cidr === 'string' ? parseCidr(input.cidr) : undefined;
      if (!range || !isPrivateCidr(range))
        throw new SagConfigError(`instance ${id}: cidr must be a private IPv4 block /8–/30 without host bits (e.g. 10.10.0.0/16), or null`);
    }
    const userQuota = input.userQuota ?? DEFAULT_QUOTA;
    if (!Number.isInteger(userQuota) || userQuota < 1 || userQuota > MAX_QUOTA)
      throw new SagConfigError(`instance ${id}: userQuota must be an integer from 1 to ${MAX_QUOTA}`);
    for (const flag of ['allowClientUsers', 'roamCidrOverlap'] as const) {
      if (input[flag] !== undefined && typeof input[flag] !== 'boolean') throw new SagConfigError(`instance ${id}: ${flag} must be a boolean`);
    }
    if (input.users !== undefined && !Array.isArray(input.users)) throw new SagConfigError(`instance ${id}: users must be an array`);
    const info: SagInstance = {
      id,
      regionId,
      cidr: range ? range.text : null,
      userQuota,
      allowClientUsers: input.allowClientUsers ?? true,
      roamCidrOverlap: input.roamCidrOverlap ?? false,
    };
    const record: InstanceRecord = { info, range, users: new Map(), byMail: new Map(), usedIps: new Set(), cursor: range ? range.first : 0 };
    this.instances.set(id, record);
    try {
      for (const user of input.users ?? []) this.seedUser(id, user);
    } catch (err) {
      this.instances.delete(id);
      throw err;
    }
    return { ...info };
  }

  /** Adds a user without an API call (no region check, no NotSupportAction). Throws SagConfigError on bad input. */
  seedUser(smartAGId: string, seed: SagUserSeed): SagUser {
    const inst = this.instances.get(smartAGId);
    if (!inst) throw new SagConfigError(`no instance ${smartAGId}`);
    if (seed === null || typeof seed !== 'object') throw new SagConfigError('a user must be an object');
    const known = new Set(['userName', 'userMail', 'bandwidth', 'password', 'clientIp', 'state']);
    for (const k of Object.keys(seed)) if (!known.has(k)) throw new SagConfigError(`unknown user field "${k}"`);
    if (seed.state !== undefined && seed.state !== 0 && seed.state !== 1) throw new SagConfigError('user state must be 0 or 1');
    try {
      const user = this.insertUser(inst, {
        userMail: seed.userMail,
        bandwidth: seed.bandwidth ?? Math.min(DEFAULT_BANDWIDTH, this.maxBandwidthKbps),
        userName: seed.userName,
        password: seed.password ?? (seed.userName !== undefined ? generatePassword() : undefined),
        clientIp: seed.clientIp,
      });
      if (seed.state !== undefined) user.state = seed.state;
      return view(user);
    } catch (err) {
      if (err instanceof SagApiError) throw new SagConfigError(`user ${seed.userName ?? seed.userMail} of ${smartAGId}: ${err.code}: ${err.message}`);
      throw err;
    }
  }

  /** Instance settings, in the order added. */
  listInstances(): SagInstance[] {
    return [...this.instances.values()].map((i) => ({ ...i.info }));
  }

  /** One instance's settings, or undefined. */
  getInstance(id: string): SagInstance | undefined {
    const inst = this.instances.get(id);
    return inst ? { ...inst.info } : undefined;
  }

  /** All users of an instance in creation order (undefined for an unknown instance). */
  listUsers(smartAGId: string): SagUser[] | undefined {
    const inst = this.instances.get(smartAGId);
    return inst ? [...inst.users.values()].map(view) : undefined;
  }

  /** True if the user exists and has that password (tests of ResetSmartAccessGatewayClientUserPassword). */
  checkPassword(smartAGId: string, userName: string, password: string): boolean {
    const user = this.instances.get(smartAGId)?.users.get(userName);
    return !!user && user.passwordHash === hashPassword(password);
  }

  /** The whole state (copies). */
  snapshot(): SagSnapshot {
    return {
      regionId: this.regionId,
      maxBandwidthKbps: this.maxBandwidthKbps,
      instances: [...this.instances.values()].map((i) => ({ ...i.info, userCount: i.users.size, users: [...i.users.values()].map(view) })),
    };
  }

  // ---- API operations --------------------------------------------------------------------------------------

  /** CreateSmartAccessGatewayClientUser. */
  createUser(regionId: string, smartAGId: string, input: CreateUserInput): SagUser {
    const inst = this.instanceFor(regionId, smartAGId);
    this.assertAcceptsUsers(inst);
    return view(this.insertUser(inst, input));
  }

  /** DescribeSmartAccessGatewayAttribute: the instance's settings and its number of client users. */
  describeInstance(regionId: string, smartAGId: string): SagInstance & { userCount: number } {
    const inst = this.instanceFor(regionId, smartAGId);
    return { ...inst.info, userCount: inst.users.size };
  }

  /** DescribeSmartAccessGatewayClientUsers: exact-match filters, 1-based pages, creation order. */
  describeUsers(regionId: string, smartAGId: string, input: DescribeUsersInput): DescribeUsersResult {
    const inst = this.instanceFor(regionId, smartAGId);
    const offset = (input.pageNumber - 1) * input.pageSize;
    if (input.userName !== undefined) {
      const user = inst.users.get(input.userName);
      const match = user && (input.userMail === undefined || user.userMail === input.userMail) ? [user] : [];
      return { totalCount: match.length, users: match.slice(offset, offset + input.pageSize).map(view) };
    }
    let names: Iterable<string> | undefined;
    let total: number;
    if (input.userMail !== undefined) {
      const set = inst.byMail.get(input.userMail);
      names = set ?? [];
      total = set?.size ?? 0;
    } else {
      total = inst.users.size;
    }
    const page: SagUser[] = [];
    if (offset < total) {
      let index = 0;
      const source: Iterable<UserRecord | string> = names ?? inst.users.values();
      for (const item of source) {
        if (index++ < offset) continue;
        const user = typeof item === 'string' ? inst.users.get(item) : item;
        if (user) page.push(view(user));
        if (page.length >= input.pageSize) break;
      }
    }
    return { totalCount: total, users: page };
  }

  /**
   * DeleteSmartAccessGatewayClientUser. Refused with `ClientUser.TrafficUsedInCurrentCycle` (the emulator's code)
   * while the account has used traffic in the current billing cycle.
   */
  deleteUser(regionId: string, smartAGId: string, userName: string | undefined): void {
    const inst = this.instanceFor(regionId, smartAGId);
    const user = this.userOf(inst, userName);
    if (user.trafficAt !== undefined && billingCycleOf(user.trafficAt) >= billingCycleOf(this.billingNow())) {
      throw new SagApiError('ClientUser.TrafficUsedInCurrentCycle');
    }
    inst.users.delete(user.userName);
    this.unindexMail(inst, user);
    inst.usedIps.delete(user.ip);
  }

  /** ModifySmartAccessGatewayClientUser (Bandwidth and/or Email). */
  modifyUser(regionId: string, smartAGId: string, userName: string | undefined, input: ModifyUserInput): SagUser {
    const inst = this.instanceFor(regionId, smartAGId);
    const user = this.userOf(inst, userName);
    if (input.bandwidth !== undefined) this.assertBandwidth(input.bandwidth);
    if (input.email !== undefined && !isValidEmail(input.email)) throw new SagApiError('ClientUser.EmailInvalid');
    if (input.bandwidth !== undefined) user.bandwidth = input.bandwidth;
    if (input.email !== undefined && input.email !== user.userMail) {
      this.unindexMail(inst, user);
      user.userMail = input.email;
      this.indexMail(inst, user);
    }
    return view(user);
  }

  /** ResetSmartAccessGatewayClientUserPassword (omitted password → a generated one, never reported). */
  resetPassword(regionId: string, smartAGId: string, userName: string | undefined, password: string | undefined): void {
    const inst = this.instanceFor(regionId, smartAGId);
    const user = this.userOf(inst, userName);
    if (password !== undefined && !RESET_PASSWORD_RE.test(password)) {
      throw invalidParameter('Password', 'It must be 8–32 characters of letters, digits, _ @ . -, starting with a letter or digit.');
    }
    user.passwordHash = hashPassword(password ?? generatePassword());
  }

  /** EnableSmartAccessGatewayUser (state 0) / DisableSmartAccessGatewayUser (state 1); idempotent. */
  setUserState(regionId: string, smartAGId: string, userName: string | undefined, state: 0 | 1): SagUser {
    const inst = this.instanceFor(regionId, smartAGId);
    const user = this.userOf(inst, userName);
    user.state = state;
    return view(user);
  }

  /**
   * KickOutClients: closes every open session of the account; returns how many. An account with none, or an
   * unknown name, is a no-op (the documented errors are only ClientUser.NameEmpty and SAG.InstanceNoFound).
   */
  kickOut(regionId: string, smartAGId: string, userName: string | undefined): number {
    const inst = this.instanceFor(regionId, smartAGId);
    if (!userName) throw new SagApiError('ClientUser.NameEmpty');
    const user = inst.users.get(userName);
    if (!user) return 0;
    const closed = user.sessions.length;
    user.sessions = [];
    return closed;
  }

  // ---- online sessions and traffic (admin) -------------------------------------------------------------------

  /** Opens `count` client sessions for an account (admin); an online account uses traffic, so it is marked too. */
  openSessions(smartAGId: string, userName: string, count = 1): SagUser {
    if (!Number.isInteger(count) || count < 1 || count > 100) throw new SagConfigError('count must be an integer from 1 to 100');
    const user = this.adminUser(smartAGId, userName);
    const connectedAt = new Date(this.now()).toISOString();
    for (let i = 0; i < count; i++) user.sessions.push({ clientIp: user.clientIp, connectedAt });
    user.trafficAt = this.billingNow();
    return view(user);
  }

  /** Records that the account used traffic at `at` (default: the billing clock's now); `null` forgets it. */
  markTraffic(smartAGId: string, userName: string, at?: number | null): SagUser {
    const user = this.adminUser(smartAGId, userName);
    if (at === null) delete user.trafficAt;
    else user.trafficAt = at ?? this.billingNow();
    return view(user);
  }

  private adminUser(smartAGId: string, userName: string): UserRecord {
    const inst = this.instances.get(smartAGId);
    if (!inst) throw new SagConfigError(`no instance ${smartAGId}`);
    const user = typeof userName === 'string' ? inst.users.get(userName) : undefined;
    if (!user) throw new SagConfigError(`no user "${String(userName)}" on ${smartAGId}`);
    return user;
  }

  /**
   * RoamClientUser: copies the origin instance's account (mail, bandwidth, password, state, static IP) into the
   * target instance; the origin keeps it.
   */
  roamUser(input: RoamUserInput): SagUser {
    const target = this.instanceFor(input.regionId, input.targetSmartAGId);
    const origin = this.instanceFor(input.originRegionId, input.originSmartAGId);
    if (!isValidLookupName(input.userName)) throw new SagApiError('ClientUser.NameInvalid');
    const source = origin.users.get(input.userName);
    if (!source) throw new SagApiError('ClientUser.UserNotExist');
    this.assertAcceptsUsers(target);
    if (target.info.roamCidrOverlap || origin.info.roamCidrOverlap) throw new SagApiError('SAG.CidrOverlap');
    if (target.users.has(source.userName)) throw new SagApiError('ClientUser.UserExist');
    if (target.users.size >= target.info.userQuota) throw new SagApiError('ClientUser.UserOverLimit');
    this.assertBandwidth(source.bandwidth);
    const ip = source.isStaticIp ? this.claimStaticIp(target, source.ip) : this.allocateIp(target);
    const copy: UserRecord = {
      ...source,
      ip,
      clientIp: formatIpv4(ip),
      createdAt: new Date(this.now()).toISOString(),
      roamedFrom: { regionId: origin.info.regionId, smartAGId: origin.info.id },
      sessions: [],
      trafficAt: undefined,
    };
    this.store(target, copy);
    return view(copy);
  }

  // ---- internals -------------------------------------------------------------------------------------------

  private instanceFor(regionId: string, smartAGId: string): InstanceRecord {
    if (!smartAGId) throw new SagApiError('SAG.InstanceIdEmpty');
    const inst = this.instances.get(smartAGId);
    if (!inst || inst.info.regionId !== regionId) throw new SagApiError('SAG.InstanceNoFound');
    return inst;
  }

  private assertAcceptsUsers(inst: InstanceRecord): void {
    if (!inst.info.allowClientUsers) throw new SagApiError('ClientUser.NotSupportAction');
    if (!inst.range) throw new SagApiError('SAG.CidrEmpty');
  }

  private assertBandwidth(bandwidth: number): void {
    if (!Number.isInteger(bandwidth) || bandwidth < 1 || bandwidth > this.maxBandwidthKbps) {
      throw new SagApiError('ClientUser.BandwidthInvalid', `The specified Bandwidth is invalid. It must be from 1 to ${this.maxBandwidthKbps} Kbps.`);
    }
  }

  private userOf(inst: InstanceRecord, userName: string | undefined): UserRecord {
    if (!userName) throw new SagApiError('ClientUser.NameEmpty');
    if (!isValidLookupName(userName)) throw new SagApiError('ClientUser.NameInvalid');
    const user = inst.users.get(userName);
    if (!user) throw new SagApiError('ClientUser.UserNotExist');
    return user;
  }

  /** Create's checks in order, then the insert. The instance's capability checks are the caller's. */
  private insertUser(inst: InstanceRecord, input: CreateUserInput): UserRecord {
    if (!inst.range) throw new SagApiError('SAG.CidrEmpty');
    const mail = input.userMail;
    if (!mail) throw new SagApiError('ClientUser.EmailEmpty');
    if (!isValidEmail(mail)) throw new SagApiError('ClientUser.EmailInvalid');
    if (input.bandwidth === undefined) throw missingParameter('Bandwidth');
    const bandwidth = input.bandwidth;
    this.assertBandwidth(bandwidth);
    const { userName, password } = input;
    if (userName === undefined && password !== undefined)
      throw new SagApiError('ClientUser.NameEmpty', 'You must specify UserName. UserName and Password must be given together.');
    if (userName !== undefined && !userName) throw new SagApiError('ClientUser.NameEmpty');
    if (userName !== undefined && !isValidUserName(userName)) throw new SagApiError('ClientUser.NameInvalid');
    if (userName !== undefined && password === undefined) throw missingParameter('Password');
    if (password !== undefined && !CREATE_PASSWORD_RE.test(password)) {
      throw invalidParameter('Password', 'It must be 8–32 characters of letters, digits, _ @ -, starting with a letter or digit.');
    }
    const name = userName ?? mail;
    if (inst.users.has(name)) throw new SagApiError('ClientUser.UserExist');
    if (inst.users.size >= inst.info.userQuota) throw new SagApiError('ClientUser.UserOverLimit');
    let ip: number;
    let isStaticIp = false;
    if (input.clientIp !== undefined) {
      if (!input.clientIp) throw new SagApiError('ClientUser.IpEmpty');
      const parsed = parseIpv4(input.clientIp);
      if (parsed === undefined) throw new SagApiError('ClientUser.IpInvalid');
      ip = this.claimStaticIp(inst, parsed);
      isStaticIp = true;
    } else {
      ip = this.allocateIp(inst);
    }
    const user: UserRecord = {
      userName: name,
      userMail: mail,
      bandwidth,
      ip,
      clientIp: formatIpv4(ip),
      isStaticIp,
      state: 0,
      passwordHash: hashPassword(password ?? generatePassword()),
      createdAt: new Date(this.now()).toISOString(),
      sessions: [],
    };
    this.store(inst, user);
    return user;
  }

  private store(inst: InstanceRecord, user: UserRecord): void {
    inst.users.set(user.userName, user);
    inst.usedIps.add(user.ip);
    this.indexMail(inst, user);
  }

  /** A static IP must be a free host address of the instance's block. */
  private claimStaticIp(inst: InstanceRecord, ip: number): number {
    const range = inst.range as Cidr;
    if (!isHostOf(range, ip) || inst.usedIps.has(ip)) throw new SagApiError('ClientUser.InvalidClientIp');
    return ip;
  }

  /** The next free host address after the cursor (wrapping); at most used+1 probes. */
  private allocateIp(inst: InstanceRecord): number {
    const range = inst.range as Cidr;
    const size = range.last - range.first + 1;
    if (inst.usedIps.size >= size)
      throw new SagApiError('ClientUser.UserOverLimit', 'The maximum number of users is exceeded. The CIDR block has no free address.');
    let ip = inst.cursor;
    for (;;) {
      if (ip < range.first || ip > range.last) ip = range.first;
      if (!inst.usedIps.has(ip)) break;
      ip++;
    }
    inst.cursor = ip + 1;
    return ip;
  }

  private indexMail(inst: InstanceRecord, user: UserRecord): void {
    let set = inst.byMail.get(user.userMail);
    if (!set) {
      set = new Set();
      inst.byMail.set(user.userMail, set);
    }
    set.add(user.userName);
  }

  private unindexMail(inst: InstanceRecord, user: UserRecord): void {
    const set = inst.byMail.get(user.userMail);
    if (!set) return;
    set.delete(user.userName);
    if (set.size === 0) inst.byMail.delete(user.userMail);
  }
}

function view(user: UserRecord): SagUser {
  const out: SagUser = {
    userName: user.userName,
    userMail: user.userMail,
    bandwidth: user.bandwidth,
    clientIp: user.clientIp,
    isStaticIp: user.isStaticIp,
    state: user.state,
    createdAt: user.createdAt,
  };
  if (user.roamedFrom) out.roamedFrom = { ...user.roamedFrom };
  if (user.sessions.length > 0) out.online = user.sessions.map((x) => ({ ...x }));
  if (user.trafficAt !== undefined) out.lastTrafficAt = new Date(user.trafficAt).toISOString();
  return out;
}
