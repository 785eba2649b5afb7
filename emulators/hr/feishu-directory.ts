/**
 * The Feishu / Lark contact directory the emulator serves (contact v3): departments under the root `"0"`, users with
 * their three ids (`user_id` tenant-scoped, `open_id` per app, `union_id` per developer), resigned users, app
 * credentials and `tenant_access_token`s. Pure; the clock is injected. Bad seeding input throws HrConfigError.
 * Field names follow https://open.feishu.cn/document/server-docs/contact-v3/user/find_by_department .
 */
import { createHash, randomBytes } from 'node:crypto';
import { HrConfigError } from './store.js';

export interface FeishuApp {
  appId: string;
  appSecret: string;
}

export interface FeishuDepartmentSeed {
  /** The custom department id (`department_id` type). */
  department_id: string;
  name: string;
  /** Default `"0"` (the root). */
  parent_department_id?: string;
  /** Default: derived (`od-` + hex). */
  open_department_id?: string;
}

export interface FeishuUserSeed {
  user_id: string;
  name: string;
  /** Defaults: derived (`ou_…`, `on_…`). */
  open_id?: string;
  union_id?: string;
  email?: string;
  enterprise_email?: string;
  /** Custom department ids (default `["0"]`). */
  department_ids?: string[];
  city?: string;
  work_station?: string;
  employee_no?: string;
  job_title?: string;
  mobile?: string;
}

interface Dept {
  department_id: string;
  open_department_id: string;
  name: string;
  parent: string;
}

export type DepartmentIdType = 'department_id' | 'open_department_id';
export type UserIdType = 'open_id' | 'union_id' | 'user_id';
export type FeishuTokenCheck = 'ok' | 'missing' | 'invalid' | 'expired';

const USER_KEYS = [
  'user_id',
  'name',
  'open_id',
  'union_id',
  'email',
  'enterprise_email',
  'department_ids',
  'city',
  'work_station',
  'employee_no',
  'job_title',
  'mobile',
];
const OPTIONAL_STRINGS = ['open_id', 'union_id', 'email', 'enterprise_email', 'city', 'work_station', 'employee_no', 'job_title', 'mobile'] as const;
const DEPT_KEYS = ['department_id', 'name', 'parent_department_id', 'open_department_id'];

const derived = (prefix: string, id: string) => `${prefix}${createHash('sha256').update(id).digest('hex').slice(0, 32)}`;

function plain(v: unknown, what: string, keys: readonly string[]): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new HrConfigError(`a Feishu ${what} must be an object`);
  for (const k of Object.keys(v)) if (!keys.includes(k)) throw new HrConfigError(`unknown Feishu ${what} field "${k}"`);
  return v as Record<string, unknown>;
}

function str(o: Record<string, unknown>, key: string, what: string, required: boolean): string | undefined {
  const v = o[key];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || v === '' || v.length > 256) throw new HrConfigError(`Feishu ${what}: "${key}" must be a non-empty string`);
  return v;
}

function userSeed(input: unknown): FeishuUserSeed & { open_id: string; union_id: string } {
  const o = plain(input, 'user', USER_KEYS);
  const user_id = str(o, 'user_id', 'user', true) as string;
  const u: FeishuUserSeed & { open_id: string; union_id: string } = {
    user_id,
    name: str(o, 'name', 'user', true) as string,
    open_id: derived('ou_', user_id),
    union_id: derived('on_', user_id),
  };
  for (const k of OPTIONAL_STRINGS) {
    const v = str(o, k, `user ${user_id}`, false);
    if (v !== undefined) u[k] = v;
  }
  if (o.department_ids !== undefined) {
    if (!Array.isArray(o.department_ids) || o.department_ids.some((d) => typeof d !== 'string' || !d))
      throw new HrConfigError(`Feishu user ${user_id}: department_ids must be strings`);
    u.department_ids = [...(o.department_ids as string[])];
  }
  return u;
}

/** Departments, users, resignations and tokens of one Feishu tenant. */
export class FeishuDirectory {
  private departments = new Map<string, Dept>();
  private users = new Map<string, FeishuUserSeed & { open_id: string; union_id: string }>();
  private resigned = new Set<string>();
  private tokens = new Map<string, { appId: string; expiresAt: number }>();

  constructor(
    readonly apps: readonly FeishuApp[],
    private readonly ttlSec: number,
    private readonly now: () => number,
  ) {
    this.clear();
  }

  /** Only the root department; no users, no tokens. */
  clear(): void {
    this.departments = new Map([['0', { department_id: '0', open_department_id: '0', name: 'root', parent: '' }]]);
    this.users = new Map();
    this.resigned = new Set();
    this.tokens.clear();
  }

  /** Adds departments then users, all or nothing. */
  seed(data: unknown): { departments: number; users: number } {
    const o = plain(data ?? {}, 'seed', ['departments', 'users']);
    const list = (v: unknown, k: string) => {
      if (v !== undefined && !Array.isArray(v)) throw new HrConfigError(`seed data: "feishu.${k}" must be an array`);
      return (v ?? []) as unknown[];
    };
    const depts = list(o.departments, 'departments');
    const users = list(o.users, 'users');
    const saved = { d: new Map(this.departments), u: new Map(this.users) };
    try {
      for (const d of depts) this.addDepartment(d);
      for (const u of users) this.addUser(u);
    } catch (err) {
      this.departments = saved.d;
      this.users = saved.u;
      throw err;
    }
    return { departments: depts.length, users: users.length };
  }

  addDepartment(input: unknown): void {
    const o = plain(input, 'department', DEPT_KEYS);
    const id = str(o, 'department_id', 'department', true) as string;
    const parent = str(o, 'parent_department_id', `department ${id}`, false) ?? '0';
    if (this.departments.has(id)) throw new HrConfigError(`Feishu department ${id} already exists`);
    if (!this.departments.has(parent)) throw new HrConfigError(`Feishu department ${id}: parent ${parent} does not exist (add it first)`);
    const open = str(o, 'open_department_id', `department ${id}`, false) ?? derived('od-', id);
    this.departments.set(id, { department_id: id, open_department_id: open, name: str(o, 'name', `department ${id}`, true) as string, parent });
  }

  addUser(input: unknown): void {
    const u = userSeed(input);
    if (this.users.has(u.user_id)) throw new HrConfigError(`Feishu user ${u.user_id} already exists`);
    for (const d of u.department_ids ?? ['0'])
      if (!this.departments.has(d)) throw new HrConfigError(`Feishu user ${u.user_id}: department ${d} does not exist`);
    this.users.set(u.user_id, u);
  }

  /** Marks a user resigned (or back). Resigned users stay readable by id, with `status.is_resigned`. */
  setResigned(userId: string, resigned = true): void {
    if (!this.users.has(userId)) throw new HrConfigError(`no Feishu user "${userId}"`);
    if (resigned) this.resigned.add(userId);
    else this.resigned.delete(userId);
  }

  /** A department by id of the given type (the root is `"0"` in both). */
  department(id: string, type: DepartmentIdType): Dept | undefined {
    if (type === 'department_id' || id === '0') return this.departments.get(id);
    for (const d of this.departments.values()) if (d.open_department_id === id) return d;
    return undefined;
  }

  /** Sub-departments: direct, or (fetchChild) all below, breadth first. */
  children(of: Dept, fetchChild: boolean): Dept[] {
    const out: Dept[] = [];
    const queue = [of.department_id];
    while (queue.length > 0) {
      const parent = queue.shift() as string;
      for (const d of this.departments.values()) {
        if (d.parent !== parent) continue;
        out.push(d);
        if (fetchChild) queue.push(d.department_id);
      }
    }
    return out;
  }

  /** Current (not resigned) users directly in the department, in the order added. */
  members(of: Dept): Array<FeishuUserSeed & { open_id: string; union_id: string }> {
    return [...this.users.values()].filter((u) => !this.resigned.has(u.user_id) && (u.department_ids ?? ['0']).includes(of.department_id));
  }

  /** A user (resigned ones too) by id of the given type. */
  user(id: string, type: UserIdType): (FeishuUserSeed & { open_id: string; union_id: string }) | undefined {
    if (type === 'user_id') return this.users.get(id);
    for (const u of this.users.values()) if (u[type] === id) return u;
    return undefined;
  }

  /** The contact v3 user object, department ids in the requested type. */
  userView(u: FeishuUserSeed & { open_id: string; union_id: string }, deptType: DepartmentIdType): Record<string, unknown> {
    const resigned = this.resigned.has(u.user_id);
    const out: Record<string, unknown> = {
      union_id: u.union_id,
      user_id: u.user_id,
      open_id: u.open_id,
      name: u.name,
      department_ids: (u.department_ids ?? ['0']).map((d) => (deptType === 'department_id' ? d : (this.departments.get(d)?.open_department_id ?? d))),
      status: { is_frozen: false, is_resigned: resigned, is_activated: !resigned, is_exited: false, is_unjoin: false },
    };
    for (const k of OPTIONAL_STRINGS) if (k !== 'open_id' && k !== 'union_id' && u[k] !== undefined) out[k] = u[k];
    return out;
  }

  /** The contact v3 department object. */
  departmentView(d: Dept, type: DepartmentIdType): Record<string, unknown> {
    const parent = this.departments.get(d.parent);
    return {
      name: d.name,
      department_id: d.department_id,
      open_department_id: d.open_department_id,
      parent_department_id: parent ? (type === 'department_id' ? parent.department_id : parent.open_department_id) : '',
      member_count: this.members(d).length,
      status: { is_deleted: false },
    };
  }

  /** `tenant_access_token/internal`: a token for the app (the same one while it is valid), or why not. */
  issueToken(appId: string, appSecret: string): { token: string; expire: number } | 'unknown-app' | 'bad-secret' {
    const app = this.apps.find((a) => a.appId === appId);
    if (!app) return 'unknown-app';
    if (app.appSecret !== appSecret) return 'bad-secret';
    const now = this.now();
    for (const [token, t] of this.tokens) if (t.appId === appId && t.expiresAt > now) return { token, expire: Math.ceil((t.expiresAt - now) / 1000) };
    const token = `t-${randomBytes(20).toString('hex')}`;
    this.tokens.set(token, { appId, expiresAt: now + this.ttlSec * 1000 });
    return { token, expire: this.ttlSec };
  }

  /** Checks `Authorization: Bearer t-…`. */
  checkToken(authorization: string | undefined): FeishuTokenCheck {
    const m = /^Bearer\s+(\S+)$/.exec(authorization ?? '');
    if (!m) return 'missing';
    const t = this.tokens.get(m[1] as string);
    if (!t) return 'invalid';
    return t.expiresAt > this.now() ? 'ok' : 'expired';
  }

  /** Expires every token now. Returns how many were live. */
  expireTokens(): number {
    const now = this.now();
    let n = 0;
    for (const t of this.tokens.values()) {
      if (t.expiresAt <= now) continue;
      t.expiresAt = now;
      n++;
    }
    return n;
  }

  snapshot(): Record<string, unknown> {
    return {
      apps: this.apps.map((a) => a.appId),
      departments: [...this.departments.values()].map((d) => this.departmentView(d, 'department_id')),
      users: [...this.users.values()].map((u) => this.userView(u, 'department_id')),
      resigned: [...this.resigned],
      tokens: this.tokens.size,
    };
  }
}
