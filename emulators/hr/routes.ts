/**
 * Every route of the HR emulator, by path: the user/department reads (apis.ts), the DingTalk and WeCom roster lists
 * (roster-apis.ts) and the Feishu APIs (feishu-apis.ts, with a path parameter). The path families do not collide.
 */
import { HR_ROUTES, type ApiAnswer, type ApiRequest, type HrRoute } from './apis.js';
import { FEISHU_ROUTES, matchFeishuRoute } from './feishu-apis.js';
import { ROSTER_ROUTES } from './roster-apis.js';
import type { HrStore } from './store.js';

export type HrPlatform = 'dingtalk' | 'wecom' | 'feishu';

/** A route found for a request path. */
export interface ResolvedRoute {
  platform: HrPlatform;
  /** The fault-injection action name. */
  action: string;
  run(store: HrStore, req: ApiRequest): ApiAnswer;
}

const EXACT: Readonly<Record<string, HrRoute>> = { ...HR_ROUTES, ...ROSTER_ROUTES };

/** The route serving `path`, or undefined (404). */
export function resolveRoute(path: string): ResolvedRoute | undefined {
  if (Object.hasOwn(EXACT, path)) {
    const route = EXACT[path as keyof typeof EXACT] as HrRoute;
    return { platform: route.vendor, action: route.action, run: (store, req) => route.handle(store, req) };
  }
  const feishu = matchFeishuRoute(path);
  if (!feishu) return undefined;
  return { platform: 'feishu', action: feishu.route.action, run: (store, req) => feishu.route.handle(store, req, feishu.param) };
}

/** Every fault-injection action name. */
export const HR_ACTIONS: readonly string[] = Object.freeze([...Object.values(EXACT).map((r) => r.action), ...FEISHU_ROUTES.map((r) => r.action)]);
