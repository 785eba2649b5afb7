/**
 * `npm run deploy:check` on the operator's inputs: with an empty environment it names the missing variables (no raw
 * `s preview` error), and it refuses a Standard Webhooks secret shorter than 24 bytes.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { S_YAML, checkRendered, ciDummyEnv, formatProblem, main, missingVariables, renderSYaml } from '../../deploy/check-s-yaml.js';

type Obj = Record<string, any>;
const env: Record<string, string | undefined> = { ...ciDummyEnv(), PATH: process.env.PATH };
let spec: Obj;
beforeAll(async () => {
  ({ spec } = await renderSYaml(S_YAML, env));
}, 60_000);

const withSecret = (secret: string) => {
  const s = structuredClone(spec);
  s.resources.webhook.props.environmentVariables.HR_WEBHOOK_SECRET = secret;
  return checkRendered(s, { env: { ...env, HR_WEBHOOK_SECRET: secret }, bundles: 'skip' }).map(formatProblem);
};

describe('deploy:check', () => {
  it('names the missing variables of an empty environment instead of running s preview', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deploy-check-empty-'));
    copyFileSync(S_YAML, join(dir, 's.yaml'));
    const lines: string[] = [];
    expect(await main(['--file', join(dir, 's.yaml')], (l) => lines.push(l), { PATH: process.env.PATH })).toBe(1);
    const missing = lines.filter((l) => l.trim().startsWith('MISSING '));
    expect(missing.map((l) => l.trim())).toEqual([
      'MISSING ALIBABA_CLOUD_ACCOUNT_ID (s.yaml reads it with no default)',
      'MISSING SITES_JSON or SITES_FILE (the site directory)',
      'MISSING an HR source: HR_WEBHOOK_SECRET, or FEISHU_*, DINGTALK_* or WECOM_* (README "HR sources")',
    ]);
    expect(lines.join('\n')).not.toMatch(/s preview failed/);
  });

  it('reads the variables from a .env beside s.yaml', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deploy-check-dotenv-'));
    copyFileSync(S_YAML, join(dir, 's.yaml'));
    writeFileSync(join(dir, '.env'), 'ALIBABA_CLOUD_ACCOUNT_ID=1234567890123456\nSITES_FILE=sites.json\n');
    expect(missingVariables("accountId: ${env('ALIBABA_CLOUD_ACCOUNT_ID')}", { ALIBABA_CLOUD_ACCOUNT_ID: '1' })).toEqual([]);
    const lines: string[] = [];
    await main(['--file', join(dir, 's.yaml')], (l) => lines.push(l), { PATH: process.env.PATH });
    expect(lines.some((l) => l.includes('MISSING'))).toBe(false);
  }, 60_000);

  it('refuses a whsec_ secret under 24 bytes, and one that is not base64; accepts 24 bytes and rotation lists', () => {
    const short = `whsec_${Buffer.alloc(23, 7).toString('base64')}`;
    expect(withSecret('whsec_abc')).toEqual([
      'webhook: props.environmentVariables.HR_WEBHOOK_SECRET: is not whsec_ followed by base64: a Standard Webhooks secret is 24 to 64 random bytes, e.g. whsec_$(openssl rand -base64 32)',
    ]);
    expect(withSecret(short)).toEqual([
      'webhook: props.environmentVariables.HR_WEBHOOK_SECRET: decodes to 23 bytes: a Standard Webhooks secret is 24 to 64 random bytes, e.g. whsec_$(openssl rand -base64 32)',
    ]);
    const ok = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
    expect(withSecret(ok)).toEqual([]);
    expect(withSecret(`${ok} ${short}`)).toEqual([expect.stringContaining('HR_WEBHOOK_SECRET: entry 2 decodes to 23 bytes')]);
    for (const line of withSecret(short)) expect(line).not.toContain(short.slice(6));
  });
});
