/**
 * The HR emulator's domain, without HTTP: one organisation per vendor (DingTalk, WeCom) with departments and users,
 * the app credentials allowed to ask for tokens, and the access tokens handed out. Pure apart from the injectable
 * clock; every bad input is an {@link HrConfigError} (the admin API answers it with 400).
 */
import { randomBytes } from 'node:crypto';
import { FeishuDirectory, type FeishuApp, type FeishuDepartmentSeed, type FeishuUserSeed } from './feishu-directory.js';

export type HrVendor = 'dingtalk' | 'wecom';
export const HR_VENDORS: readonly HrVendor[] = ['dingtalk', 'wecom'];

/** Bad seed data or a bad admin request. */
export class HrConfigError extends Error {}

// ---------------------------------------------------------------------------------------------------------------
// Seeds (what tests and the admin API pass in) — field names as the vendors spell them.

/** A DingTalk user, as `topapi/v2/user/get` answers it in `result` (unset optional fields are left out). */
export interface DingTalkUserSeed {
  userid: string;
  name: string;
  email?: string;
  org_email?: string;
  /** Department ids; default `[1]` (the root). Each must exist. */
  dept_id_list?: number[];
  work_place?: string;
  mobile?: string;
  title?: string;
  job_number?: string;
  /** Default: derived from the userid. */
  unionid?: string;
  /** Default true. */
  active?: boolean;
  /** Unix ms. */
  hired_date?: number;
  manager_userid?: string;
  /** Any further `result` fields, answered as given (the fields above win on a clash). */
  extra?: Record<string, unknown>;
}

export interface DingTalkDepartmentSeed {
  dept_id: number;
  name: string;
  /** Default 1 (the root). */
  parent_id?: number;
}

/** A WeCom member, as `cgi-bin/user/get` answers it (unset optional fields are left out). */
export interface WeComUserSeed {
  userid: string;
  name: string;
  /** Department ids; default `[1]`. Each must exist. */
  department?: number[];
  /** Default: the first of `department`. */
  main_department?: number;
  email?: string;
  biz_mail?: string;
  address?: string;
  position?: string;
  mobile?: string;
  alias?: string;
  /** 1 active (default), 2 disabled, 4 not activated, 5 left. */
  status?: number;
  /** Any further fields, answered as given (the fields above win on a clash). */
  extra?: Record<string, unknown>;
}

export interface WeComDepartmentSeed {
  id: number;
  name: string;
  /** Default 1 (the root). */
  parentid?: number;
  order?: number;
}

export interface DingTalkApp {
  appKey: string;
  appSecret: string;
}

export interface WeComCredential {
  corpId: string;
  corpSecret: string;
}

export interface HrDirectorySeed {
  dingtalk?: { departments?: DingTalkDepartmentSeed[]; users?: DingTalkUserSeed[] };
  wecom?: { departments?: WeComDepartmentSeed[]; users?: WeComUserSeed[] };
  feishu?: { departments?: FeishuDepartmentSeed[]; users?: FeishuUserSeed[] };
}

// ---------------------------------------------------------------------------------------------------------------
// Validation

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function reqString(o: Record<string, unknown>, key: string, where: string, max = 256): string {
  const v = o[key];
  if (typeof v !== 'string' || v.trim() === '' || v.length > max)
    throw new HrConfigError(`${where}: "${key}" must be a non-empty string of at most ${max} characters`);
  return v;
}

function optString(o: Record<string, unknown>, key: string, where: string, max = 256): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length > max) throw new HrConfigError(`${where}: "${key}" must be a string of at most ${max} characters`);
  return v;
}

function deptId(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new HrConfigError(`${what} must be a positive integer`);
  return v;
}

function deptList(o: Record<string, unknown>, key: string, where: string): number[] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0 || v.length > 100) throw new HrConfigError(`${where}: "${key}" must be a non-empty array of department ids`);
  const ids = v.map((x, i) => deptId(x, `${where}: "${key}[${i}]"`));
  if (new Set(ids).size !== ids.length) throw new HrConfigError(`${where}: "${key}" lists a department twice`);
  return ids;
}

function extraOf(o: Record<string, unknown>, where: string): Record<string, unknown> | undefined {
  const v = o.extra;
  if (v === undefined) return undefined;
  if (!isPlainObject(v)) throw new HrConfigError(`${where}: "extra" must be an object`);
  return structuredClone(v);
}

function knownKeys(o: Record<string, unknown>, keys: readonly string[], where: string): void {
  for (const k of Object.keys(o))
    if (!keys.includes(k)) throw new HrConfigError(`${where}: unknown field "${k}" (put vendor fields the emulator does not model in "extra")`);
}

const DT_USER_KEYS = [
  'userid',
  'name',
  'email',
  'org_email',
  'dept_id_list',
  'work_place',
  'mobile',
  'title',
  'job_number',
  'unionid',
  'active',
  'hired_date',
  'manager_userid',
  'extra',
] as const;
const WC_USER_KEYS = [
  'userid',
  'name',
  'department',
  'main_department',
  'email',
  'biz_mail',
  'address',
  'position',
  'mobile',
  'alias',
  'status',
  'extra',
] as const;

function dingTalkUser(input: unknown): DingTalkUserSeed {
  if (!isPlainObject(input)) throw new HrConfigError('a DingTalk user must be an object with "userid" and "name"');
  const where = `DingTalk user ${typeof input.userid === 'string' ? `"${input.userid}"` : ''}`.trim();
  knownKeys(input, DT_USER_KEYS, where);
  const u: DingTalkUserSeed = { userid: reqString(input, 'userid', where, 64), name: reqString(input, 'name', where, 80) };
  for (const k of ['email', 'org_email', 'work_place', 'mobile', 'title', 'job_number', 'unionid', 'manager_userid'] as const) {
    const v = optString(input, k, where);
    if (v !== undefined) u[k] = v;
  }
  const depts = deptList(input, 'dept_id_list', where);
  if (depts) u.dept_id_list = depts;
  if (input.active !== undefined) {
    if (typeof input.active !== 'boolean') throw new HrConfigError(`${where}: "active" must be a boolean`);
    u.active = input.active;
  }
  if (input.hired_date !== undefined) {
    if (typeof input.hired_date !== 'number' || !Number.isSafeInteger(input.hired_date) || input.hired_date < 0)
      throw new HrConfigError(`${where}: "hired_date" must be Unix milliseconds`);
    u.hired_date = input.hired_date;
  }
  const extra = extraOf(input, where);
  if (extra) u.extra = extra;
  return u;
}

function weComUser(input: unknown): WeComUserSeed {
  if (!isPlainObject(input)) throw new HrConfigError('a WeCom user must be an object with "userid" and "name"');
  const where = `WeCom user ${typeof input.userid === 'string' ? `"${input.userid}"` : ''}`.trim();
  knownKeys(input, WC_USER_KEYS, where);
  const u: WeComUserSeed = { userid: reqString(input, 'userid', where, 64), name: reqString(input, 'name', where, 64) };
  for (const k of ['email', 'biz_mail', 'address', 'position', 'mobile', 'alias'] as const) {
    const v = optString(input, k, where);
    if (v !== undefined) u[k] = v;
  }
  const depts = deptList(input, 'department', where);
  if (depts) u.department = depts;
  if (input.main_department !== undefined) {
    u.main_department = deptId(input.main_department, `${where}: "main_department"`);
    if (!(u.department ?? [1]).includes(u.main_department)) throw new HrConfigError(`${where}: "main_department" must be one of "department"`);
  }
  if (input.status !== undefined) {
    if (input.status !== 1 && input.status !== 2 && input.status !== 4 && input.status !== 5)
      throw new HrConfigError(`${where}: "status" must be 1, 2, 4 or 5`);
    u.status = input.status;
  }
  const extra = extraOf(input, where);
  if (extra) u.extra = extra;
  return u;
}

// ---------------------------------------------------------------------------------------------------------------
// A department tree plus users, shared by both vendors (field names differ, rules are the same).

interface DeptShape {
  id: number;
  name: string;
  parent: number;
  order?: number;
}

class Org<U extends { userid: string }> {
  readonly departments = new Map<number, DeptShape>();
  readonly users = new Map<string, U>();
  /** Users who have left: the user APIs no longer find them and the roster lists leave them out. */
  readonly departed = new Set<string>();

  constructor(
    private readonly vendor: string,
    rootName: string,
    private readonly deptsOf: (u: U) => number[],
  ) {
    this.departments.set(1, { id: 1, name: rootName, parent: 0 });
  }

  addDepartment(d: DeptShape): void {
    if (this.departments.has(d.id)) throw new HrConfigError(`${this.vendor} department ${d.id} already exists`);
    if (!this.departments.has(d.parent)) throw new HrConfigError(`${this.vendor} department ${d.id}: parent ${d.parent} does not exist (add it first)`);
    this.departments.set(d.id, d);
  }

  updateDepartment(id: number, patch: { name?: string; parent?: number; order?: number }): DeptShape {
    const d = this.departments.get(id);
    if (!d) throw new HrConfigError(`no ${this.vendor} department ${id}`);
    if (patch.parent !== undefined) {
      if (id === 1) throw new HrConfigError('the root department has no parent');
      if (!this.departments.has(patch.parent)) throw new HrConfigError(`${this.vendor} department ${id}: parent ${patch.parent} does not exist`);
      for (let p: number | undefined = patch.parent; p && p !== 0; p = this.departments.get(p)?.parent) {
        if (p === id) throw new HrConfigError(`${this.vendor} department ${id}: parent ${patch.parent} would make a cycle`);
      }
    }
    const next = { ...d, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) };
    this.departments.set(id, next);
    return next;
  }

  removeDepartment(id: number): void {
    if (id === 1) throw new HrConfigError('the root department cannot be removed');
    if (!this.departments.has(id)) throw new HrConfigError(`no ${this.vendor} department ${id}`);
    if ([...this.departments.values()].some((d) => d.parent === id)) throw new HrConfigError(`${this.vendor} department ${id} has sub-departments`);
    if ([...this.users.values()].some((u) => this.deptsOf(u).includes(id))) throw new HrConfigError(`${this.vendor} department ${id} has members`);
    this.departments.delete(id);
  }

  checkDepartments(u: U): void {
    for (const id of this.deptsOf(u))
      if (!this.departments.has(id)) throw new HrConfigError(`${this.vendor} user "${u.userid}": department ${id} does not exist (add it first)`);
  }

  addUser(u: U): void {
    if (this.users.has(u.userid)) throw new HrConfigError(`${this.vendor} user "${u.userid}" already exists`);
    this.checkDepartments(u);
    this.users.set(u.userid, u);
  }

  replaceUser(u: U): void {
    if (!this.users.has(u.userid)) throw new HrConfigError(`no ${this.vendor} user "${u.userid}"`);
    this.checkDepartments(u);
    this.users.set(u.userid, u);
  }

  removeUser(userid: string): void {
    if (!this.users.delete(userid)) throw new HrConfigError(`no ${this.vendor} user "${userid}"`);
    this.departed.delete(userid);
  }

  /** Current (not departed) users directly in a department, in the order added. */
  membersOf(id: number): U[] {
    return [...this.users.values()].filter((u) => !this.departed.has(u.userid) && this.deptsOf(u).includes(id));
  }

  /** A department and every department below it, breadth first. */
  subtree(id: number): DeptShape[] {
    const root = this.departments.get(id);
    if (!root) return [];
    const out = [root];
    for (let i = 0; i < out.length; i++) {
      const parent = (out[i] as DeptShape).id;
      for (const d of this.departments.values()) if (d.parent === parent && d.id !== parent) out.push(d);
    }
    return out;
  }
}

function deptInput(input: unknown, idKey: string, parentKey: string, vendor: string): DeptShape {
  if (!isPlainObject(input)) throw new HrConfigError(`a ${vendor} department must be an object with "${idKey}" and "name"`);
  const where = `${vendor} department`;
  knownKeys(input, [idKey, 'name', parentKey, 'order'], where);
  const d: DeptShape = {
    id: deptId(input[idKey], `${where}: "${idKey}"`),
    name: reqString(input, 'name', where, 64),
    parent: input[parentKey] === undefined ? 1 : deptId(input[parentKey], `${where}: "${parentKey}"`),
  };
  if (d.id === 1) throw new HrConfigError(`${where} 1 is the root, which always exists`);
  if (input.order !== undefined) {
    if (typeof input.order !== 'number' || !Number.isSafeInteger(input.order) || input.order < 0)
      throw new HrConfigError(`${where}: "order" must be an integer ≥ 0`);
    d.order = input.order;
  }
  return d;
}

function deptPatch(
  input: unknown,
  idKey: string,
  parentKey: string,
  vendor: string,
): { id: number; patch: { name?: string; parent?: number; order?: number } } {
  if (!isPlainObject(input)) throw new HrConfigError(`a ${vendor} department update must be an object with "${idKey}"`);
  const where = `${vendor} department update`;
  knownKeys(input, [idKey, 'name', parentKey, 'order'], where);
  const patch: { name?: string; parent?: number; order?: number } = {};
  if (input.name !== undefined) patch.name = reqString(input, 'name', where, 64);
  if (input[parentKey] !== undefined) patch.parent = deptId(input[parentKey], `${where}: "${parentKey}"`);
  if (input.order !== undefined) {
    if (typeof input.order !== 'number' || !Number.isSafeInteger(input.order) || input.order < 0)
      throw new HrConfigError(`${where}: "order" must be an integer ≥ 0`);
    patch.order = input.order;
  }
  return { id: deptId(input[idKey], `${where}: "${idKey}"`), patch };
}

// ---------------------------------------------------------------------------------------------------------------
// Tokens

export interface IssuedToken {
  token: string;
  vendor: HrVendor;
  /** appKey (DingTalk) or corpId (WeCom). */
  client: string;
  issuedAt: number;
  expiresAt: number;
}

export type TokenCheck = 'ok' | 'missing' | 'invalid' | 'expired';

// ---------------------------------------------------------------------------------------------------------------

/** Answer shapes, as the vendors send them. */
export type DingTalkDepartment = { dept_id: number; name: string; parent_id?: number };
export type WeComDepartment = { id: number; name: string; parentid: number; order: number };

export interface HrStoreOptions {
  dingtalkApps: readonly DingTalkApp[];
  wecomCredentials: readonly WeComCredential[];
  /** Feishu apps allowed to get a tenant_access_token (default none). */
  feishuApps?: readonly FeishuApp[];
  /** Token lifetime in seconds (7200 on every platform). */
  tokenTtlSec: number;
  /** Present at start and after every reset. */
  initial?: HrDirectorySeed;
  /** Clock (ms). */
  now?: () => number;
}

export interface HrSnapshot {
  tokenTtlSec: number;
  dingtalk: {
    apps: string[];
    departments: DingTalkDepartment[];
    users: Record<string, unknown>[];
    departed: string[];
    tokens: Array<{ token: string; appKey: string; expiresAt: string; expired: boolean }>;
  };
  wecom: {
    corpIds: string[];
    departments: WeComDepartment[];
    users: Record<string, unknown>[];
    departed: string[];
    tokens: Array<{ token: string; corpId: string; expiresAt: string; expired: boolean }>;
  };
}

export class HrStore {
  readonly now: () => number;
  /** The Feishu tenant (its own ids, resignations and tokens). */
  readonly feishu: FeishuDirectory;
  private dt!: Org<DingTalkUserSeed>;
  private wc!: Org<WeComUserSeed>;
  private tokens = new Map<string, IssuedToken>();

  constructor(private readonly opts: HrStoreOptions) {
    this.now = opts.now ?? Date.now;
    if (!(opts.tokenTtlSec >= 1)) throw new HrConfigError('the token lifetime must be at least 1 second');
    this.feishu = new FeishuDirectory(opts.feishuApps ?? [], opts.tokenTtlSec, this.now);
    this.reset();
  }

  get tokenTtlSec(): number {
    return this.opts.tokenTtlSec;
  }

  /** Back to the initial directory; every token forgotten. */
  reset(): void {
    this.dt = new Org<DingTalkUserSeed>('DingTalk', 'root', (u) => u.dept_id_list ?? [1]);
    this.wc = new Org<WeComUserSeed>('WeCom', 'root', (u) => u.department ?? [1]);
    this.tokens.clear();
    this.feishu.clear();
    if (this.opts.initial) this.seed(this.opts.initial);
  }

  /** Adds departments then users of both vendors, all or nothing. */
  seed(data: unknown): { dingtalk: { departments: number; users: number }; wecom: { departments: number; users: number } } {
    if (!isPlainObject(data)) throw new HrConfigError('seed data must be {"dingtalk": {...}, "wecom": {...}, "feishu": {...}}');
    knownKeys(data, ['dingtalk', 'wecom', 'feishu'], 'seed data');
    const part = (v: unknown, name: string) => {
      if (v === undefined) return { departments: [] as unknown[], users: [] as unknown[] };
      if (!isPlainObject(v)) throw new HrConfigError(`seed data: "${name}" must be an object`);
      knownKeys(v, ['departments', 'users'], `seed data "${name}"`);
      const arr = (x: unknown, k: string) => {
        if (x === undefined) return [];
        if (!Array.isArray(x)) throw new HrConfigError(`seed data: "${name}.${k}" must be an array`);
        return x as unknown[];
      };
      return { departments: arr(v.departments, 'departments'), users: arr(v.users, 'users') };
    };
    const d = part(data.dingtalk, 'dingtalk');
    const w = part(data.wecom, 'wecom');
    this.atomically(() => {
      this.addDingTalkDepartments(d.departments);
      this.addDingTalkUsers(d.users);
      this.addWeComDepartments(w.departments);
      this.addWeComUsers(w.users);
      // Last, and all or nothing itself: if it fails, the other vendors' part is rolled back.
      if (data.feishu !== undefined) this.feishu.seed(data.feishu);
    });
    return { dingtalk: { departments: d.departments.length, users: d.users.length }, wecom: { departments: w.departments.length, users: w.users.length } };
  }

  /** Runs `fn`; if it throws, the directory is restored as it was (tokens are untouched). */
  atomically<T>(fn: () => T): T {
    const dtD = new Map(this.dt.departments);
    const dtU = new Map(this.dt.users);
    const wcD = new Map(this.wc.departments);
    const wcU = new Map(this.wc.users);
    try {
      return fn();
    } catch (err) {
      this.dt.departments.clear();
      for (const [k, v] of dtD) this.dt.departments.set(k, v);
      this.dt.users.clear();
      for (const [k, v] of dtU) this.dt.users.set(k, v);
      this.wc.departments.clear();
      for (const [k, v] of wcD) this.wc.departments.set(k, v);
      this.wc.users.clear();
      for (const [k, v] of wcU) this.wc.users.set(k, v);
      throw err;
    }
  }

  // -- DingTalk directory ----------------------------------------------------------------------------------------

  addDingTalkDepartments(list: readonly unknown[]): DingTalkDepartment[] {
    return this.atomically(() =>
      list.map((x) => {
        const d = deptInput(x, 'dept_id', 'parent_id', 'DingTalk');
        this.dt.addDepartment(d);
        return dtDept(d);
      }),
    );
  }

  updateDingTalkDepartment(input: unknown): DingTalkDepartment {
    const { id, patch } = deptPatch(input, 'dept_id', 'parent_id', 'DingTalk');
    return dtDept(this.dt.updateDepartment(id, patch));
  }

  removeDingTalkDepartment(id: number): void {
    this.dt.removeDepartment(deptId(id, 'dept_id'));
  }

  getDingTalkDepartment(id: number): DingTalkDepartment | undefined {
    const d = this.dt.departments.get(id);
    return d && dtDept(d);
  }

  listDingTalkDepartments(): DingTalkDepartment[] {
    return [...this.dt.departments.values()].map(dtDept);
  }

  addDingTalkUsers(list: readonly unknown[]): Record<string, unknown>[] {
    return this.atomically(() =>
      list.map((x) => {
        const u = dingTalkUser(x);
        this.dt.addUser(u);
        return dingTalkResult(u);
      }),
    );
  }

  /** Merges `patch` (which names the `userid`) into the user; `null` removes an optional field. */
  updateDingTalkUser(patch: unknown): Record<string, unknown> {
    if (!isPlainObject(patch) || typeof patch.userid !== 'string') throw new HrConfigError('a DingTalk user update must be an object with "userid"');
    const current = this.dt.users.get(patch.userid);
    if (!current) throw new HrConfigError(`no DingTalk user "${patch.userid}"`);
    const u = dingTalkUser(merge(current as unknown as Record<string, unknown>, patch));
    this.dt.replaceUser(u);
    return dingTalkResult(u);
  }

  removeDingTalkUser(userid: string): void {
    this.dt.removeUser(userid);
  }

  /** The `result` object of `topapi/v2/user/get`, or undefined. */
  getDingTalkUser(userid: string): Record<string, unknown> | undefined {
    const u = this.dt.users.get(userid);
    return u && dingTalkResult(u);
  }

  listDingTalkUsers(): Record<string, unknown>[] {
    return [...this.dt.users.values()].map(dingTalkResult);
  }

  // -- WeCom directory -------------------------------------------------------------------------------------------

  addWeComDepartments(list: readonly unknown[]): WeComDepartment[] {
    return this.atomically(() =>
      list.map((x) => {
        const d = deptInput(x, 'id', 'parentid', 'WeCom');
        this.wc.addDepartment(d);
        return wcDept(d);
      }),
    );
  }

  updateWeComDepartment(input: unknown): WeComDepartment {
    const { id, patch } = deptPatch(input, 'id', 'parentid', 'WeCom');
    return wcDept(this.wc.updateDepartment(id, patch));
  }

  removeWeComDepartment(id: number): void {
    this.wc.removeDepartment(deptId(id, 'id'));
  }

  getWeComDepartment(id: number): WeComDepartment | undefined {
    const d = this.wc.departments.get(id);
    return d && wcDept(d);
  }

  listWeComDepartments(): WeComDepartment[] {
    return [...this.wc.departments.values()].map(wcDept);
  }

  addWeComUsers(list: readonly unknown[]): Record<string, unknown>[] {
    return this.atomically(() =>
      list.map((x) => {
        const u = weComUser(x);
        this.wc.addUser(u);
        return weComAnswer(u);
      }),
    );
  }

  updateWeComUser(patch: unknown): Record<string, unknown> {
    if (!isPlainObject(patch) || typeof patch.userid !== 'string') throw new HrConfigError('a WeCom user update must be an object with "userid"');
    const current = this.wc.users.get(patch.userid);
    if (!current) throw new HrConfigError(`no WeCom user "${patch.userid}"`);
    const u = weComUser(merge(current as unknown as Record<string, unknown>, patch));
    this.wc.replaceUser(u);
    return weComAnswer(u);
  }

  removeWeComUser(userid: string): void {
    this.wc.removeUser(userid);
  }

  /** The member fields of `cgi-bin/user/get` (without errcode/errmsg), or undefined. */
  getWeComUser(userid: string): Record<string, unknown> | undefined {
    const u = this.wc.users.get(userid);
    return u && weComAnswer(u);
  }

  listWeComUsers(): Record<string, unknown>[] {
    return [...this.wc.users.values()].map(weComAnswer);
  }

  // -- departures and rosters -------------------------------------------------------------------------------------

  /**
   * Marks a user as departed (or back, with `false`). A departed user stays in the directory (admin lists) but the
   * user APIs answer "user not found" (DingTalk 60121, WeCom 60111) and the roster lists leave it out, as the
   * platforms do for people who have left.
   */
  setDeparted(vendor: HrVendor, userid: string, departed = true): void {
    const org = vendor === 'dingtalk' ? this.dt : this.wc;
    if (!org.users.has(userid)) throw new HrConfigError(`no ${vendor} user "${userid}"`);
    if (departed) org.departed.add(userid);
    else org.departed.delete(userid);
  }

  isDeparted(vendor: HrVendor, userid: string): boolean {
    return (vendor === 'dingtalk' ? this.dt : this.wc).departed.has(userid);
  }

  /** `topapi/v2/department/listsub`: the direct sub-departments, or undefined for an unknown department. */
  dingTalkSubDepartments(id: number): DingTalkDepartment[] | undefined {
    if (!this.dt.departments.has(id)) return undefined;
    return [...this.dt.departments.values()].filter((d) => d.parent === id && d.id !== id).map(dtDept);
  }

  /** `topapi/v2/user/list`: current users directly in the department, or undefined for an unknown department. */
  dingTalkMembers(id: number): Record<string, unknown>[] | undefined {
    if (!this.dt.departments.has(id)) return undefined;
    return this.dt.membersOf(id).map(dingTalkResult);
  }

  /** `cgi-bin/department/simplelist`: the department and all below it, or undefined for an unknown one. */
  weComSubtree(id: number): WeComDepartment[] | undefined {
    if (!this.wc.departments.has(id)) return undefined;
    return this.wc.subtree(id).map(wcDept);
  }

  /** `cgi-bin/user/list_id`: one `{userid, department}` per current user and department, users in the order added. */
  weComMemberships(): Array<{ userid: string; department: number }> {
    const out: Array<{ userid: string; department: number }> = [];
    for (const u of this.wc.users.values()) {
      if (this.wc.departed.has(u.userid)) continue;
      for (const department of u.department ?? [1]) out.push({ userid: u.userid, department });
    }
    return out;
  }

  /** `cgi-bin/user/list`: current members of one department, or undefined for an unknown department. */
  weComMembers(id: number): Record<string, unknown>[] | undefined {
    if (!this.wc.departments.has(id)) return undefined;
    return this.wc.membersOf(id).map(weComAnswer);
  }

  // -- credentials and tokens ------------------------------------------------------------------------------------

  /** Whether the app key and secret belong together (DingTalk answers a wrong key and a wrong secret alike). */
  checkDingTalkApp(appKey: string, appSecret: string): 'ok' | 'unknown' {
    return this.opts.dingtalkApps.some((a) => a.appKey === appKey && a.appSecret === appSecret) ? 'ok' : 'unknown';
  }

  checkWeComCredential(corpId: string, corpSecret: string): 'ok' | 'unknown-corp' | 'bad-secret' {
    const corp = this.opts.wecomCredentials.filter((c) => c.corpId === corpId);
    if (corp.length === 0) return 'unknown-corp';
    return corp.some((c) => c.corpSecret === corpSecret) ? 'ok' : 'bad-secret';
  }

  /**
   * A token for the client. While one is valid the same token is answered (both platforms document this);
   * DingTalk extends its life ("自动续期"), WeCom does not (emulator assumption) and reports the seconds left.
   */
  issueToken(vendor: HrVendor, client: string): { token: string; expiresIn: number } {
    const now = this.now();
    const ttlMs = this.opts.tokenTtlSec * 1000;
    for (const t of this.tokens.values()) {
      if (t.vendor === vendor && t.client === client && t.expiresAt > now) {
        if (vendor === 'dingtalk') t.expiresAt = now + ttlMs;
        return { token: t.token, expiresIn: Math.ceil((t.expiresAt - now) / 1000) };
      }
    }
    const token = vendor === 'dingtalk' ? randomBytes(16).toString('hex') : randomBytes(96).toString('base64url');
    this.tokens.set(token, { token, vendor, client, issuedAt: now, expiresAt: now + ttlMs });
    return { token, expiresIn: this.opts.tokenTtlSec };
  }

  checkToken(vendor: HrVendor, token: string | null | undefined): TokenCheck {
    if (!token) return 'missing';
    const t = this.tokens.get(token);
    if (!t || t.vendor !== vendor) return 'invalid';
    return t.expiresAt > this.now() ? 'ok' : 'expired';
  }

  /** Expires every token (of one vendor, or one token) now; they then answer "expired". Returns how many. */
  expireTokens(filter: { vendor?: HrVendor; token?: string } = {}): number {
    const now = this.now();
    let n = 0;
    for (const t of this.tokens.values()) {
      if ((filter.vendor && t.vendor !== filter.vendor) || (filter.token && t.token !== filter.token) || t.expiresAt <= now) continue;
      t.expiresAt = now;
      n++;
    }
    return n;
  }

  snapshot(): HrSnapshot {
    const now = this.now();
    const tokens = [...this.tokens.values()];
    return {
      tokenTtlSec: this.opts.tokenTtlSec,
      dingtalk: {
        apps: this.opts.dingtalkApps.map((a) => a.appKey),
        departments: this.listDingTalkDepartments(),
        users: this.listDingTalkUsers(),
        departed: [...this.dt.departed],
        tokens: tokens
          .filter((t) => t.vendor === 'dingtalk')
          .map((t) => ({ token: t.token, appKey: t.client, expiresAt: new Date(t.expiresAt).toISOString(), expired: t.expiresAt <= now })),
      },
      wecom: {
        corpIds: [...new Set(this.opts.wecomCredentials.map((c) => c.corpId))],
        departments: this.listWeComDepartments(),
        users: this.listWeComUsers(),
        departed: [...this.wc.departed],
        tokens: tokens
          .filter((t) => t.vendor === 'wecom')
          .map((t) => ({ token: t.token, corpId: t.client, expiresAt: new Date(t.expiresAt).toISOString(), expired: t.expiresAt <= now })),
      },
    };
  }
}

/** `current` with `patch` applied; `null` in the patch removes the field. */
function merge(current: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

function dtDept(d: DeptShape): DingTalkDepartment {
  return d.id === 1 ? { dept_id: 1, name: d.name } : { dept_id: d.id, name: d.name, parent_id: d.parent };
}

function wcDept(d: DeptShape): WeComDepartment {
  return { id: d.id, name: d.name, parentid: d.parent, order: d.order ?? 0 };
}

function dingTalkResult(u: DingTalkUserSeed): Record<string, unknown> {
  const depts = u.dept_id_list ?? [1];
  const out: Record<string, unknown> = {
    ...(u.extra ?? {}),
    userid: u.userid,
    unionid: u.unionid ?? `union-${u.userid}`,
    name: u.name,
    active: u.active ?? true,
    admin: false,
    boss: false,
    dept_id_list: [...depts],
    dept_order_list: depts.map((dept_id) => ({ dept_id, order: 0 })),
    leader_in_dept: depts.map((dept_id) => ({ dept_id, leader: false })),
    exclusive_account: false,
    real_authed: true,
    senior: false,
  };
  for (const k of ['email', 'org_email', 'work_place', 'mobile', 'title', 'job_number', 'hired_date', 'manager_userid'] as const) {
    if (u[k] !== undefined) out[k] = u[k];
  }
  return out;
}

function weComAnswer(u: WeComUserSeed): Record<string, unknown> {
  const depts = u.department ?? [1];
  const out: Record<string, unknown> = {
    ...(u.extra ?? {}),
    userid: u.userid,
    name: u.name,
    department: [...depts],
    order: depts.map(() => 0),
    is_leader_in_dept: depts.map(() => 0),
    main_department: u.main_department ?? depts[0],
    status: u.status ?? 1,
  };
  for (const k of ['position', 'mobile', 'email', 'biz_mail', 'address', 'alias'] as const) {
    if (u[k] !== undefined) out[k] = u[k];
  }
  return out;
}
