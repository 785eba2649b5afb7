/**
 * Local emulator of the DingTalk and WeCom user APIs that the enrich worker reads (their webhooks carry only user
 * ids). One HTTP server serves both path families. See README.md in this folder.
 *
 * ```ts
 * const hr = await startHrEmulator({ data: { dingtalk: { users: [{ userid: 'u1', name: 'Ann', email: 'ann@example.com' }] } } });
 * // DINGTALK_API_ENDPOINT=hr.url, WECOM_API_ENDPOINT=hr.url
 * hr.wecom.addDepartment({ id: 2, name: 'Shanghai' });
 * hr.wecom.addUser({ userid: 'zhangsan', name: '张三', department: [2], email: 'zs@example.com' });
 * await hr.close();
 * ```
 */
import { listen } from '../common/http.js';
import type { FaultInjector } from '../common/faults.js';
import { DEFAULT_DINGTALK_APPS, DEFAULT_WECOM_CREDENTIALS, type HrEmulatorOptions } from './config.js';
import { createHrServer } from './server.js';
import type {
  DingTalkApp,
  DingTalkDepartment,
  DingTalkDepartmentSeed,
  DingTalkUserSeed,
  HrDirectorySeed,
  HrSnapshot,
  HrStore,
  HrVendor,
  WeComCredential,
  WeComDepartment,
  WeComDepartmentSeed,
  WeComUserSeed,
} from './store.js';

export { DINGTALK_MESSAGES, HR_ROUTES, WECOM_MESSAGES } from './apis.js';
export { FEISHU_MESSAGES, FEISHU_ROUTES } from './feishu-apis.js';
export { ROSTER_ROUTES } from './roster-apis.js';
export { HR_ACTIONS, resolveRoute, type HrPlatform } from './routes.js';
export type { FeishuApp, FeishuDepartmentSeed, FeishuUserSeed } from './feishu-directory.js';
import type { FeishuApp, FeishuDepartmentSeed, FeishuUserSeed } from './feishu-directory.js';
export { DEFAULT_DINGTALK_APPS, DEFAULT_WECOM_CREDENTIALS, HR_DEFAULT_PORT, hrOptionsFromEnv, loadDataFile, type HrEmulatorOptions } from './config.js';
export { HR_THROTTLE_ERROR, createHrServer } from './server.js';
export {
  HrConfigError,
  HrStore,
  type DingTalkApp,
  type DingTalkDepartment,
  type DingTalkDepartmentSeed,
  type DingTalkUserSeed,
  type HrDirectorySeed,
  type HrSnapshot,
  type HrVendor,
  type WeComCredential,
  type WeComDepartment,
  type WeComDepartmentSeed,
  type WeComUserSeed,
} from './store.js';

/** Directory helpers of one vendor (no HTTP, no token needed). Bad input throws HrConfigError. */
export interface HrDirectoryHandle<UserSeed, Department, DepartmentSeed> {
  /** Adds a user; its departments must exist. Returns the user as the API answers it. */
  addUser(user: UserSeed): Record<string, unknown>;
  /** Adds several users, all or nothing. */
  addUsers(users: readonly UserSeed[]): Record<string, unknown>[];
  /** Merges changes into a user (`userid` names it; `null` removes an optional field). */
  updateUser(patch: { userid: string } & Partial<Record<keyof UserSeed, unknown>>): Record<string, unknown>;
  removeUser(userid: string): void;
  /** The user as the API answers it, or undefined. */
  getUser(userid: string): Record<string, unknown> | undefined;
  listUsers(): Record<string, unknown>[];
  /** Adds a department (its parent must exist; 1 is the root, always present). */
  addDepartment(department: DepartmentSeed): Department;
  updateDepartment(patch: Partial<DepartmentSeed>): Department;
  /** Refused for the root, and for a department with members or sub-departments. */
  removeDepartment(id: number): void;
  listDepartments(): Department[];
  /**
   * Marks the user as departed (default) or back: the user API answers "user not found" (DingTalk 60121, WeCom
   * 60111) and the roster lists leave it out, as on the platforms; the admin lists keep it.
   */
  depart(userid: string, departed?: boolean): void;
}

/** The Feishu tenant's helpers (no HTTP). Bad input throws HrConfigError. */
export interface FeishuHandle {
  apps: readonly FeishuApp[];
  appId: string | undefined;
  appSecret: string | undefined;
  addDepartment(department: FeishuDepartmentSeed): void;
  addUser(user: FeishuUserSeed): void;
  /** Resigned users stay readable by id (`status.is_resigned: true`) and leave `find_by_department`. */
  resign(userId: string, resigned?: boolean): void;
  /** Expires every tenant_access_token now (the next call with one gets 99991677). Returns how many were live. */
  expireTokens(): number;
}

/** A running HR emulator. */
export interface HrEmulator {
  /** e.g. `http://127.0.0.1:9300` (no trailing slash): both `DINGTALK_API_ENDPOINT` and `WECOM_API_ENDPOINT`. */
  url: string;
  port: number;
  host: string;
  /** Fault rules (same as `/__admin/faults`); actions `dingtalk.gettoken`, `dingtalk.user.get`, … (HR_ACTIONS). */
  faults: FaultInjector;
  dingtalk: HrDirectoryHandle<DingTalkUserSeed, DingTalkDepartment, DingTalkDepartmentSeed> & {
    apps: readonly DingTalkApp[];
    appKey: string;
    appSecret: string;
  };
  wecom: HrDirectoryHandle<WeComUserSeed, WeComDepartment, WeComDepartmentSeed> & {
    credentials: readonly WeComCredential[];
    corpId: string;
    corpSecret: string;
  };
  feishu: FeishuHandle;
  /** Adds departments and users of every platform at once, all or nothing. */
  seed(data: HrDirectorySeed): void;
  /** Expires DingTalk/WeCom tokens now (all, one vendor's, or one); they then answer 42001. Returns how many. */
  expireTokens(filter?: { vendor?: HrVendor; token?: string }): number;
  /** The whole state (what `GET /__admin/state` answers). */
  snapshot(): HrSnapshot;
  /** Back to the initial data; tokens forgotten; fault rules cleared. */
  reset(): void;
  /** Stops listening and ends open connections. */
  close(): Promise<void>;
}

/**
 * Starts the emulator. Defaults: host 127.0.0.1, port 0 (ephemeral), token lifetime 7200 s, the local stack's app
 * credentials. Rejects with HrConfigError on bad options or data.
 */
export async function startHrEmulator(options: HrEmulatorOptions = {}): Promise<HrEmulator> {
  const parts = createHrServer(options);
  const running = await listen(parts.server, options.host ?? '127.0.0.1', options.port ?? 0);
  const { store } = parts;
  return {
    url: running.url,
    port: running.port,
    host: running.host,
    faults: parts.faults,
    dingtalk: dingTalkHandle(store, options.dingtalkApps ?? DEFAULT_DINGTALK_APPS),
    wecom: weComHandle(store, options.wecomCredentials ?? DEFAULT_WECOM_CREDENTIALS),
    feishu: feishuHandle(store),
    seed: (data) => void store.seed(data),
    expireTokens: (filter) => store.expireTokens(filter),
    snapshot: () => store.snapshot(),
    reset: parts.reset,
    close: running.close,
  };
}

function dingTalkHandle(store: HrStore, apps: readonly DingTalkApp[]): HrEmulator['dingtalk'] {
  const first = apps[0] as DingTalkApp;
  return {
    apps,
    appKey: first.appKey,
    appSecret: first.appSecret,
    addUser: (u) => store.addDingTalkUsers([u])[0] as Record<string, unknown>,
    addUsers: (us) => store.addDingTalkUsers(us),
    updateUser: (p) => store.updateDingTalkUser(p),
    removeUser: (id) => store.removeDingTalkUser(id),
    getUser: (id) => store.getDingTalkUser(id),
    listUsers: () => store.listDingTalkUsers(),
    addDepartment: (d) => store.addDingTalkDepartments([d])[0] as DingTalkDepartment,
    updateDepartment: (p) => store.updateDingTalkDepartment(p),
    removeDepartment: (id) => store.removeDingTalkDepartment(id),
    listDepartments: () => store.listDingTalkDepartments(),
    depart: (id, departed) => store.setDeparted('dingtalk', id, departed),
  };
}

function weComHandle(store: HrStore, creds: readonly WeComCredential[]): HrEmulator['wecom'] {
  const first = creds[0] as WeComCredential;
  return {
    credentials: creds,
    corpId: first.corpId,
    corpSecret: first.corpSecret,
    addUser: (u) => store.addWeComUsers([u])[0] as Record<string, unknown>,
    addUsers: (us) => store.addWeComUsers(us),
    updateUser: (p) => store.updateWeComUser(p),
    removeUser: (id) => store.removeWeComUser(id),
    getUser: (id) => store.getWeComUser(id),
    listUsers: () => store.listWeComUsers(),
    addDepartment: (d) => store.addWeComDepartments([d])[0] as WeComDepartment,
    updateDepartment: (p) => store.updateWeComDepartment(p),
    removeDepartment: (id) => store.removeWeComDepartment(id),
    listDepartments: () => store.listWeComDepartments(),
    depart: (id, departed) => store.setDeparted('wecom', id, departed),
  };
}

function feishuHandle(store: HrStore): FeishuHandle {
  const { feishu } = store;
  return {
    apps: feishu.apps,
    appId: feishu.apps[0]?.appId,
    appSecret: feishu.apps[0]?.appSecret,
    addDepartment: (d) => feishu.addDepartment(d),
    addUser: (u) => feishu.addUser(u),
    resign: (id, resigned) => feishu.setResigned(id, resigned),
    expireTokens: () => feishu.expireTokens(),
  };
}
