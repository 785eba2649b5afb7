import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/errors.js';
import { SiteDirectory } from '../../shared/sites.js';

const site = (over: Record<string, unknown> = {}) => ({
  id: 'sh',
  regionId: 'cn-shanghai',
  smartAGId: 'sag-sh1',
  bandwidthKbps: 2000,
  offices: ['Shanghai', 'SH-HQ'],
  ...over,
});

describe('SiteDirectory', () => {
  it('loads the shipped sample directory', () => {
    const dir = SiteDirectory.parse(JSON.parse(readFileSync('config/sites.sample.json', 'utf8')));
    expect(dir.sites.map((s) => s.id)).toEqual(['sh-hq', 'hz-rd', 'bj-sales']);
  });

  it('matches offices case-insensitively and ignoring blanks, then department ids, and site ids exactly', () => {
    const dir = SiteDirectory.parse({ sites: [site({ departmentIds: ['od-1'] }), site({ id: 'bj', smartAGId: 'sag-bj1', offices: ['Beijing'] })] });
    expect(dir.resolve({ office: '  shanghai ' })?.id).toBe('sh');
    expect(dir.resolve({ office: 'sh-hq' })?.id).toBe('sh');
    expect(dir.resolve({ office: 'Nowhere', departmentIds: ['x', 'od-1'] })?.id).toBe('sh');
    expect(dir.resolve({ site: 'bj' })?.id).toBe('bj');
    expect(dir.resolve({ site: 'BJ' })).toBeUndefined();
    expect(dir.resolve({ office: 'Nowhere' })).toBeUndefined();
    expect(dir.resolve(undefined)).toBeUndefined();
  });

  it('defaults the user-name policy to email and lets a site override it', () => {
    const dir = SiteDirectory.parse({ sites: [site(), site({ id: 'bj', smartAGId: 'sag-bj1', offices: ['Beijing'], userNamePolicy: 'employee-id' })] });
    expect(dir.get('sh')?.userNamePolicy).toBe('email');
    expect(dir.get('bj')?.userNamePolicy).toBe('employee-id');
  });

  it('names the site and the field of every problem', () => {
    const bad = { sites: [site(), site({ id: 'bj', smartAGId: 'nope', bandwidthKbps: 30000, offices: ['shanghai'] }), site()] };
    let err: unknown;
    try {
      SiteDirectory.parse(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain('sites[1] (id "bj"): smartAGId has an invalid format');
    expect(msg).toContain('sites[1] (id "bj"): bandwidthKbps must be ≤ 20000');
    expect(msg).toContain('sites[2] (id "sh"): id "sh" is already used by sites[0]');
  });

  it('refuses an office mapped to two sites, and an empty directory', () => {
    expect(() => SiteDirectory.parse({ sites: [site(), site({ id: 'b', smartAGId: 'sag-b', offices: ['SHANGHAI'] })] })).toThrow(
      /office "SHANGHAI" is already mapped to site "sh"/,
    );
    expect(() => SiteDirectory.parse({ sites: [] })).toThrow(/sites must have at least 1 items/);
    expect(() => SiteDirectory.parse('x')).toThrow(ConfigError);
  });

  it('loads from SITES_JSON or SITES_FILE, with clear errors', () => {
    expect(SiteDirectory.fromEnv({ SITES_JSON: JSON.stringify({ sites: [site()] }) }).sites).toHaveLength(1);
    expect(SiteDirectory.fromEnv({ SITES_FILE: 'config/sites.sample.json' }).sites).toHaveLength(3);
    expect(() => SiteDirectory.fromEnv({})).toThrow(/set SITES_JSON/);
    expect(() => SiteDirectory.fromEnv({ SITES_JSON: '{' })).toThrow(/SITES_JSON is not valid JSON/);
    expect(() => SiteDirectory.fromEnv({ SITES_FILE: '/nonexistent.json' })).toThrow(/cannot read SITES_FILE/);
    // On FC a relative SITES_FILE is read from the code directory (where the build puts sites.json).
    expect(SiteDirectory.fromEnv({ SITES_FILE: 'sites.sample.json', FC_FUNC_CODE_PATH: 'config' }).sites).toHaveLength(3);
  });

  it('reads transferPolicy and protectedUsers, and matches protected accounts by user name or email', () => {
    const dir = SiteDirectory.parse({ transferPolicy: 'move', protectedUsers: ['it-admin-*', '*@ops.example.com', 'a.b+c'], sites: [site()] });
    expect(dir.transferPolicy).toBe('move');
    expect(dir.isProtected({ userName: 'IT-Admin-01' })).toBe(true);
    expect(dir.isProtected({ email: 'root@OPS.example.com' })).toBe(true);
    expect(dir.isProtected({ userName: 'a.b+c' })).toBe(true);
    expect(dir.isProtected({ userName: 'axb+c', email: 'x@example.com' })).toBe(false); // '.' and '+' are literal
    expect(dir.isProtected({ userName: 'it-admin' })).toBe(false);
    const plain = SiteDirectory.parse({ sites: [site()] });
    expect(plain.transferPolicy).toBe('roam');
    expect(plain.isProtected({ userName: 'anyone', email: 'a@example.com' })).toBe(false);
    expect(() => SiteDirectory.parse({ transferPolicy: 'copy', sites: [site()] })).toThrow(ConfigError);
  });
});
