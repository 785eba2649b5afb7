/** The one place that picks and configures a roster reader for a source, from the typed configuration. */
import type { Config } from '../config.js';
import { ConfigError } from '../errors.js';
import type { RetryOptions } from './api-pages.js';
import { DingTalkRosterReader } from './dingtalk.js';
import { FeishuRosterReader } from './feishu.js';
import { FileRosterReader, type RosterFileFormat } from './file.js';
import type { RosterReader, RosterSource } from './roster.js';
import { WeComRosterReader } from './wecom.js';

export interface RosterReaderOptions {
  config: Config;
  /** The roster file (source `file`). */
  file?: string;
  /** The file's format (default: from the extension, else sniffed). */
  format?: RosterFileFormat;
  /** Overrides of the API readers' retry policy (its waits are scaled by RETRY_DELAY_SCALE). */
  retry?: Partial<RetryOptions>;
}

/**
 * The reader of `source`, with the endpoints, credentials, timeout (HR_API_TIMEOUT_MS) and delay scale
 * (RETRY_DELAY_SCALE) of the configuration. Throws ConfigError when the source is not configured.
 * @example
 * ```ts
 * const reader = rosterReaderFor('dingtalk', { config: loadConfig() });
 * const roster = await reader.read();
 * rosterReaderFor('file', { config, file: 'employees.csv' });
 * ```
 */
export function rosterReaderFor(source: RosterSource, options: RosterReaderOptions): RosterReader {
  const { config } = options;
  const common = { timeoutMs: config.hrApiTimeoutMs, retry: { delayScale: config.retry.delayScale, ...options.retry } };
  switch (source) {
    case 'file':
      if (!options.file) throw new ConfigError('a file roster needs the file (--file employees.csv)');
      return new FileRosterReader(options.file, options.format ? { format: options.format } : {});
    case 'feishu': {
      const app = config.feishuApp;
      if (!app) throw new ConfigError('the Feishu roster is not configured: set FEISHU_APP_ID and FEISHU_APP_SECRET (an app with the contact scopes)');
      return new FeishuRosterReader({ endpoint: app.apiEndpoint, appId: app.appId, appSecret: app.appSecret, ...common });
    }
    case 'dingtalk': {
      const d = config.sources.dingtalk;
      if (!d) throw new ConfigError('DingTalk is not configured: set DINGTALK_TOKEN, DINGTALK_AES_KEY, DINGTALK_APP_KEY and DINGTALK_APP_SECRET');
      return new DingTalkRosterReader({ endpoint: d.apiEndpoint, appKey: d.appKey, appSecret: d.appSecret, ...common });
    }
    case 'wecom': {
      const w = config.sources.wecom;
      if (!w) throw new ConfigError('WeCom is not configured: set WECOM_TOKEN, WECOM_ENCODING_AES_KEY, WECOM_CORP_ID and WECOM_CORP_SECRET');
      return new WeComRosterReader({ endpoint: w.apiEndpoint, corpId: w.corpId, corpSecret: w.corpSecret, ...common });
    }
    default:
      throw new ConfigError(`unknown roster source "${String(source)}" (feishu, dingtalk, wecom or file)`);
  }
}
