/** rosterReaderFor: the reader of each source from the typed configuration, and a clear ConfigError when it is not configured. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.js';
import { ConfigError } from '../../shared/errors.js';
import { DingTalkRosterReader } from '../../shared/roster/dingtalk.js';
import { FeishuRosterReader } from '../../shared/roster/feishu.js';
import { FileRosterReader } from '../../shared/roster/file.js';
import { rosterReaderFor } from '../../shared/roster/for-config.js';
import type { RosterSource } from '../../shared/roster/roster.js';
import { WeComRosterReader } from '../../shared/roster/wecom.js';

const AES = 'a'.repeat(43);
const configured = loadConfig({
  FEISHU_APP_ID: 'cli_app',
  FEISHU_APP_SECRET: 'secret',
  FEISHU_API_ENDPOINT: 'https://open.larksuite.com',
  DINGTALK_TOKEN: 't',
  DINGTALK_AES_KEY: AES,
  DINGTALK_APP_KEY: 'k',
  DINGTALK_APP_SECRET: 's',
  WECOM_TOKEN: 't',
  WECOM_ENCODING_AES_KEY: AES,
  WECOM_CORP_ID: 'ww1',
  WECOM_CORP_SECRET: 's',
  HR_API_TIMEOUT_MS: '1234',
  RETRY_DELAY_SCALE: '0.5',
});

describe('rosterReaderFor', () => {
  it('configures each source from the configuration', () => {
    const feishu = rosterReaderFor('feishu', { config: configured });
    expect(feishu).toBeInstanceOf(FeishuRosterReader);
    expect((feishu as any).o).toMatchObject({
      endpoint: 'https://open.larksuite.com',
      appId: 'cli_app',
      appSecret: 'secret',
      timeoutMs: 1234,
      retry: { delayScale: 0.5 },
    });
    const dingtalk = rosterReaderFor('dingtalk', { config: configured, retry: { attempts: 2 } });
    expect(dingtalk).toBeInstanceOf(DingTalkRosterReader);
    expect((dingtalk as any).o).toMatchObject({ endpoint: 'https://oapi.dingtalk.com', appKey: 'k', retry: { delayScale: 0.5, attempts: 2 } });
    const wecom = rosterReaderFor('wecom', { config: configured });
    expect(wecom).toBeInstanceOf(WeComRosterReader);
    expect((wecom as any).o).toMatchObject({ endpoint: 'https://qyapi.weixin.qq.com', corpId: 'ww1', corpSecret: 's' });
    const file = rosterReaderFor('file', { config: configured, file: 'employees.csv', format: 'jsonl' });
    expect(file).toBeInstanceOf(FileRosterReader);
    expect(file.source).toBe('file');
    expect((file as FileRosterReader).path).toBe('employees.csv');
    expect(rosterReaderFor('file', { config: configured, file: 'a.csv' })).toBeInstanceOf(FileRosterReader);
  });

  it('throws a ConfigError naming what to set when the source is not configured', () => {
    const bare = loadConfig({});
    expect(bare.feishuApp).toBeUndefined();
    const cases: Array<[RosterSource, RegExp]> = [
      ['feishu', /set FEISHU_APP_ID and FEISHU_APP_SECRET/],
      ['dingtalk', /set DINGTALK_TOKEN, DINGTALK_AES_KEY, DINGTALK_APP_KEY and DINGTALK_APP_SECRET/],
      ['wecom', /set WECOM_TOKEN, WECOM_ENCODING_AES_KEY, WECOM_CORP_ID and WECOM_CORP_SECRET/],
      ['file', /needs the file/],
    ];
    for (const [source, message] of cases) {
      expect(() => rosterReaderFor(source, { config: bare }), source).toThrow(ConfigError);
      expect(() => rosterReaderFor(source, { config: bare }), source).toThrow(message);
    }
    expect(() => rosterReaderFor('ldap' as RosterSource, { config: bare })).toThrow(/unknown roster source "ldap"/);
  });

  it('reads the Feishu app from FEISHU_APP_ID and FEISHU_APP_SECRET, both or neither', () => {
    expect(loadConfig({ FEISHU_APP_ID: 'a', FEISHU_APP_SECRET: 'b' }).feishuApp).toEqual({ appId: 'a', appSecret: 'b', apiEndpoint: 'https://open.feishu.cn' });
    expect(() => loadConfig({ FEISHU_APP_ID: 'a' })).toThrow(/The Feishu app is half configured: set FEISHU_APP_SECRET too/);
    expect(() => loadConfig({ FEISHU_APP_ID: 'a', FEISHU_APP_SECRET: 'b', FEISHU_API_ENDPOINT: 'open.feishu.cn' })).toThrow(/FEISHU_API_ENDPOINT must be/);
  });
});
