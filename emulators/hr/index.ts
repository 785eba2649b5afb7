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
  HrSnapshot,
  HrVendor,
  WeComCredential,
  WeComDepartment,
  WeComDepartmentSeed,
  WeComUserSeed,
} from './store.js';

export { DINGTALK_MESSAGES, HR_ACTIONS, HR_ROUTES, WECOM_MESSAGES } from './apis.js';
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
}

/** A running HR emulator. */
export interface HrEmulator {
  /** e.g. `http://127.0.0.1:9300` (no trailing slash): both `DINGTALK_API_ENDPOINT` and `WECOM_API_ENDPOINT`. */
  url: string;
  port: number;
  host: string;
  /** Fault rules (same as `/__admin/faults`); actions `dingtalk.gettoken`, `dingtalk.user.get`, … (HR_ACTIONS). */
  faults: FaultInjector;
  dingtalk: HrDirectoryHandle<DingTalkUserSeed, DingTalkDepartment, DingTalkDepartmentSeed> & { apps: readonly DingTalkApp[]; appKey: string; appSecret: string };
  wecom: HrDirectoryHandle<WeComUserSeed, WeComDepartment, WeComDepartmentSeed> & { credentials: readonly WeComCredential[]; corpId: string; corpSecret: string };
  /** Adds departments and users of both vendors at once, all or nothing. */
  seed(data: { dingtalk?: { departments?: DingTalkDepartmentSeed[]; users?: DingTalkUserSeed[] }; wecom?: { departments?: WeComDepartmentSeed[]; users?: WeComUserSeed[] } }): void;
  /** Expires tokens now (all, one vendor's, or one); they then answer 42001. Returns how many. */
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
  const apps = options.dingtalkApps ?? DEFAULT_DINGTALK_APPS;
  const creds = options.wecomCredentials ?? DEFAULT_WECOM_CREDENTIALS;
  const firstApp = apps[0] as DingTalkApp;
  const firstCred = creds[0] as WeComCredential;
  return {
    url: running.url,
    port: running.port,
    host: running.host,
    faults: parts.faults,
    dingtalk: {
      apps,
      appKey: firstApp.appKey,
      appSecret: firstApp.appSecret,
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
    },
    wecom: {
      credentials: creds,
      corpId: firstCred.corpId,
      corpSecret: firstCred.corpSecret,
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
    },
    seed: (data) => void store.seed(data),
    expireTokens: (filter) => store.expireTokens(filter),
    snapshot: () => store.snapshot(),
    reset: parts.reset,
    close: running.close,
  };
}
