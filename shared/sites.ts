/**
 * The site directory: which SAG instance serves which HR office or department.
 *
 * ```json
 * { "userNamePolicy": "email",
 *   "sites": [ { "id": "sh-hq", "regionId": "cn-shanghai", "smartAGId": "sag-shhq0001", "bandwidthKbps": 2000,
 *                "offices": ["Shanghai", "SH-HQ"], "departmentIds": ["od-sh"] } ] }
 * ```
 * Offices match case-insensitively (and ignoring surrounding blanks); department ids match exactly. An office or a
 * department id may belong to one site only. The directory is validated once (at cold start) and errors name the
 * site and the field, e.g. `sites[1] (id "bj"): bandwidthKbps must be ≤ 20000`.
 *
 * `userNamePolicy` decides the SAG user name: `email` (default: UserName/Password are omitted, SAG uses the email
 * and mails generated credentials) or `employee-id` (UserName = `u` + employee id, sanitised; a random password is
 * generated and SAG mails the account information). A site may override the directory's policy.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import * as z from 'zod/mini';
import { ConfigError } from './errors.js';
import { toFieldIssues } from './validation.js';

export const USER_NAME_POLICIES = ['email', 'employee-id'] as const;
export type UserNamePolicy = (typeof USER_NAME_POLICIES)[number];

const SiteSchema = z.lazy(() =>
  z.object({
    id: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/)),
    regionId: z.string().check(z.regex(/^[a-z]{2}-[a-z0-9-]+$/)),
    smartAGId: z.string().check(z.regex(/^sag-[A-Za-z0-9]+$/)),
    bandwidthKbps: z.int().check(z.minimum(1), z.maximum(20_000)),
    offices: z._default(z.array(z.string().check(z.trim(), z.minLength(1))), []),
    departmentIds: z._default(z.array(z.string().check(z.minLength(1))), []),
    userNamePolicy: z.optional(z.enum(USER_NAME_POLICIES)),
  }),
);

export const TRANSFER_POLICIES = ['roam', 'move'] as const;
/**
 * What a transfer does to the origin account: `roam` (default) roams the account to the target and the origin keeps
 * its copy; `move` also disables the origin copy once the roam is confirmed, and deletes it next billing cycle.
 */
export type TransferPolicy = (typeof TRANSFER_POLICIES)[number];

const DirectorySchema = z.lazy(() =>
  z.object({
    userNamePolicy: z._default(z.enum(USER_NAME_POLICIES), 'email'),
    transferPolicy: z._default(z.enum(TRANSFER_POLICIES), 'roam'),
    protectedUsers: z._default(z.array(z.string().check(z.trim(), z.minLength(1), z.maxLength(128))), []),
    sites: z.array(z.unknown()).check(z.minLength(1)),
  }),
);

/** A site as the events carry it: enough to call SAG without the directory. */
export interface Site {
  id: string;
  regionId: string;
  smartAGId: string;
  bandwidthKbps: number;
  userNamePolicy: UserNamePolicy;
}

export interface SiteEntry extends Site {
  offices: string[];
  departmentIds: string[];
}

/** What an HR event says about where an employee works; any one that resolves decides. */
export interface Location {
  site?: string;
  office?: string;
  /** More office candidates, tried in order after `office` (e.g. Feishu `work_station`, then `city`). */
  offices?: readonly string[];
  departmentIds?: readonly string[];
}

const normOffice = (s: string) => s.trim().toLowerCase();

export class SiteDirectory {
  private readonly byId = new Map<string, SiteEntry>();
  private readonly byOffice = new Map<string, SiteEntry>();
  private readonly byDepartment = new Map<string, SiteEntry>();

  private constructor(
    readonly sites: readonly SiteEntry[],
    /** What a transfer does to the origin account (see {@link TransferPolicy}). */
    readonly transferPolicy: TransferPolicy = 'roam',
    /**
     * Patterns of SAG accounts nothing may ever touch outside events (e.g. IT admins' accounts): matched against the
     * account's user name and email, case-insensitively, `*` standing for any run of characters.
     */
    readonly protectedUsers: readonly string[] = [],
  ) {
    for (const s of sites) {
      this.byId.set(s.id, s);
      for (const o of s.offices) this.byOffice.set(normOffice(o), s);
      for (const d of s.departmentIds) this.byDepartment.set(d, s);
    }
  }

  /**
   * Validates a parsed directory. Throws ConfigError naming every bad field.
   * @example
   * ```ts
   * const dir = SiteDirectory.parse({ sites: [{ id: 'sh', regionId: 'cn-shanghai', smartAGId: 'sag-sh1',
   *   bandwidthKbps: 2000, offices: ['Shanghai'] }] });
   * dir.resolve({ office: 'shanghai' })?.id; // 'sh'
   * ```
   */
  static parse(input: unknown): SiteDirectory {
    const top = DirectorySchema.safeParse(input);
    if (!top.success) {
      throw new ConfigError(
        `site directory: ${toFieldIssues(top.error.issues)
          .map((i) => `${i.path} ${i.message}`)
          .join('; ')}`,
      );
    }
    const problems: string[] = [];
    const sites: SiteEntry[] = [];
    const seenId = new Map<string, number>();
    const seenOffice = new Map<string, string>();
    const seenDept = new Map<string, string>();
    top.data.sites.forEach((raw, index) => {
      const label = `sites[${index}]${raw && typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'string' ? ` (id "${(raw as { id: string }).id}")` : ''}`;
      const r = SiteSchema.safeParse(raw);
      if (!r.success) {
        for (const i of toFieldIssues(r.error.issues)) problems.push(`${label}: ${i.path} ${i.message}`);
        return;
      }
      const s = r.data;
      if (seenId.has(s.id)) problems.push(`${label}: id "${s.id}" is already used by sites[${seenId.get(s.id)}]`);
      seenId.set(s.id, index);
      for (const o of s.offices) {
        const other = seenOffice.get(normOffice(o));
        if (other !== undefined && other !== s.id) problems.push(`${label}: office "${o}" is already mapped to site "${other}"`);
        seenOffice.set(normOffice(o), s.id);
      }
      for (const d of s.departmentIds) {
        const other = seenDept.get(d);
        if (other !== undefined && other !== s.id) problems.push(`${label}: department "${d}" is already mapped to site "${other}"`);
        seenDept.set(d, s.id);
      }
      sites.push({ ...s, userNamePolicy: s.userNamePolicy ?? top.data.userNamePolicy });
    });
    if (problems.length) throw new ConfigError(`site directory is invalid: ${problems.join('; ')}`);
    return new SiteDirectory(sites, top.data.transferPolicy, top.data.protectedUsers);
  }

  /**
   * Loads from `SITES_JSON` (JSON text) or `SITES_FILE` (a path), in that order. A relative `SITES_FILE` is read
   * from the function's code directory on FC (`FC_FUNC_CODE_PATH`, where `npm run build` puts `sites.json`), else
   * from the working directory.
   */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): SiteDirectory {
    let text: string;
    let origin: string;
    if (env.SITES_JSON?.trim()) {
      text = env.SITES_JSON;
      origin = 'SITES_JSON';
    } else if (env.SITES_FILE) {
      origin = `SITES_FILE ${env.SITES_FILE}`;
      const path = codeDirectoryPath(env.SITES_FILE, env);
      try {
        text = readFileSync(path, 'utf8');
      } catch (err) {
        throw new ConfigError(`site directory: cannot read ${origin}: ${(err as Error).message}`);
      }
    } else {
      throw new ConfigError('site directory: set SITES_JSON (the directory as JSON) or SITES_FILE (a path to it)');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new ConfigError(`site directory: ${origin} is not valid JSON: ${(err as Error).message}`);
    }
    return SiteDirectory.parse(parsed);
  }

  /** True when a `protectedUsers` pattern matches the account's user name or email. */
  isProtected(account: { userName?: string; email?: string }): boolean {
    return this.protectedPatterns.some(
      (p) => (account.userName !== undefined && p.test(account.userName)) || (account.email !== undefined && p.test(account.email)),
    );
  }

  private get protectedPatterns(): RegExp[] {
    this.compiled ??= this.protectedUsers.map(globToRegExp);
    return this.compiled;
  }
  private compiled?: RegExp[];

  get(id: string): SiteEntry | undefined {
    return this.byId.get(id);
  }

  /** The site a location resolves to: an explicit site id first, then the offices in order, then the first known department. */
  resolve(location: Location | undefined): SiteEntry | undefined {
    if (!location) return undefined;
    if (location.site !== undefined) return this.byId.get(location.site);
    for (const office of location.office !== undefined ? [location.office, ...(location.offices ?? [])] : (location.offices ?? [])) {
      const s = this.byOffice.get(normOffice(office));
      if (s) return s;
    }
    for (const d of location.departmentIds ?? []) {
      const s = this.byDepartment.get(d);
      if (s) return s;
    }
    return undefined;
  }
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .trim()
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'i');
}

/**
 * A file shipped with the function (`SITES_FILE`, `RECONCILE_FILE`): a relative path is read from the function's
 * code directory on FC (`FC_FUNC_CODE_PATH`), else from the working directory.
 */
export function codeDirectoryPath(path: string, env: NodeJS.ProcessEnv = process.env): string {
  return isAbsolute(path) ? path : join(env.FC_FUNC_CODE_PATH || process.cwd(), path);
}

/** The event-carried snapshot of a site. */
export function siteRef(s: SiteEntry): Site {
  return { id: s.id, regionId: s.regionId, smartAGId: s.smartAGId, bandwidthKbps: s.bandwidthKbps, userNamePolicy: s.userNamePolicy };
}
