/**
 * The command line itself: help, the refusal of unknown commands and flags with a suggestion, and exit code 2 for
 * every usage error. No stack is needed: these fail before any call.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cli } from './run-cli.js';

describe('hr-sag-sync usage', () => {
  it('--help lists the commands and the exit codes (snapshot)', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatchSnapshot();
  });

  it('each command has --help with --json and --local (snapshots of dlq redrive, smoke, doctor)', async () => {
    for (const argv of [
      ['status'],
      ['dlq', 'list'],
      ['dlq', 'show'],
      ['dlq', 'redrive'],
      ['dlq', 'purge'],
      ['queues'],
      ['doctor'],
      ['smoke'],
      ['setup'],
      ['sign'],
    ]) {
      const r = await cli([...argv, '--help']);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.stdout, argv.join(' ')).toContain('--json');
      expect(r.stdout, argv.join(' ')).toContain('--local');
    }
    expect((await cli(['dlq', 'redrive', '--help'])).stdout).toMatchSnapshot();
    expect((await cli(['smoke', '--help'])).stdout).toMatchSnapshot();
    expect((await cli(['doctor', '--help'])).stdout).toMatchSnapshot();
  });

  it('sign --help no longer crashes', async () => {
    const r = await cli(['sign', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--source <source>\s+HR source \(choices: "generic", "feishu", "dingtalk",\s+"wecom"/);
  });

  it.each([
    [['dlq', 'redrive', '--rat', '5'], /unknown option '--rat'[\s\S]*Did you mean --rate\?/],
    [['queus'], /unknown command 'queus'[\s\S]*Did you mean queues\?/],
    [['dlq', 'list', '--since', 'yesterday'], /--since.*expected a duration/],
    [['dlq', 'redrive', '--rate', '0'], /--rate.*expected a number above 0/],
    [['sign', '--source', 'slack'], /--source.*Allowed choices are generic, feishu, dingtalk, wecom/],
    [['dlq', 'show'], /missing required argument 'messageId'/],
    [['dlq', 'purge', '--local'], /add --yes/],
    [['queues'], /no credentials/],
    [[], /Usage: hr-sag-sync/],
  ])('%j → exit 2 with a message', async (argv, message) => {
    const r = await cli(argv as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr + r.stdout).toMatch(message);
  });

  it('a bad region or account id is a usage error, before any call', async () => {
    const keys = { ALIBABA_CLOUD_ACCESS_KEY_ID: 'ak', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'sk' };
    const region = await cli(['queues', '--region', 'Shanghai', '--account-id', '1'], keys);
    expect([region.code, region.stderr]).toEqual([2, expect.stringMatching(/a region is needed.*got "Shanghai"/)]);
    const account = await cli(['queues', '--region', 'cn-shanghai', '--account-id', 'acme'], keys);
    expect([account.code, account.stderr]).toEqual([2, expect.stringMatching(/account id is numeric/)]);
  });

  it('the package bin runs from a clone (`npx hr-sag-sync`) and passes the exit code through', async () => {
    const exec = promisify(execFile);
    const { stdout } = await exec('npx', ['--no-install', 'hr-sag-sync', '--version'], { cwd: new URL('../..', import.meta.url).pathname });
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const bad = await exec('node', ['cli/bin.mjs', 'dlq', 'list', '--bogus'], { cwd: new URL('../..', import.meta.url).pathname }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((bad as { code: number }).code).toBe(2);
    expect((bad as { stderr: string }).stderr).toContain("unknown option '--bogus'");
  }, 30_000);
});
