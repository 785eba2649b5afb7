/**
 * The API calls of one roster read: every call is a page (counted from 1; token requests are not pages), paced to
 * the platform's documented rate per API, retried on transient failures with exponential backoff and full jitter,
 * with the access token refreshed once when the platform says it is invalid or expired. A page that still fails
 * throws {@link RosterReadError} naming the source and the page, and the read stops: nothing of it is returned.
 *
 * | answer | what happens |
 * | --- | --- |
 * | unreachable, timeout, HTTP 5xx, not JSON (TransientError) | retried up to `attempts` times |
 * | a busy or throttling code (`busy`) | retried, waiting at least a second (DingTalk asks for one) |
 * | an invalid or expired token (`token`) | the token is dropped and fetched again, once per page |
 * | credentials refused by the token endpoint, any other code | RosterReadError at once |
 */
import { HrSagSyncError, TransientError } from '../errors.js';
import type { AccessToken } from '../hr/hr-http.js';
import { RateLimiter } from '../rate-limiter.js';
import { RosterReadError, type RosterSource } from './roster.js';

/** How a platform's answer reads: success, a token to refresh, busy (retry), or a failure to report. */
export type Verdict = 'ok' | 'token' | 'busy' | { failed: string };

export interface RetryOptions {
  /** Tries per page, the first included (default 5). */
  attempts: number;
  /** First backoff (default 500 ms), doubling per try up to `maxDelayMs` (default 8 s). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Multiplies every wait (RETRY_DELAY_SCALE: tests and the local stack use e.g. 0.01). */
  delayScale: number;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 5, baseDelayMs: 500, maxDelayMs: 8_000, delayScale: 1 };

/** What every API roster reader takes besides its app's endpoint and credentials. */
export interface RosterApiOptions {
  timeoutMs: number;
  retry?: Partial<RetryOptions>;
  /** Page size; default the reader's documented maximum. */
  pageSize?: number;
  /** Calls per second per API; default the platform's documented limit. */
  ratePerSecond?: number;
}

/** The verdict of a platform's result code: 0 is success, then its token and busy codes; anything else fails the read. */
export function verdictOf(code: number, codes: { token: ReadonlySet<number>; busy: ReadonlySet<number> }, failed: () => string): Verdict {
  if (code === 0) return 'ok';
  if (codes.token.has(code)) return 'token';
  if (codes.busy.has(code)) return 'busy';
  return { failed: failed() };
}

export interface ApiPagesOptions {
  source: RosterSource;
  token: AccessToken;
  /** Calls per second allowed for each API (by name), per the platform's documentation. */
  ratePerSecond: (api: string) => number;
  /** Reads a platform answer. */
  verdict: (body: Record<string, unknown>) => Verdict;
  retry?: Partial<RetryOptions>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * @example
 * ```ts
 * const pages = new ApiPages({ source: 'dingtalk', token, ratePerSecond: () => 20, verdict });
 * const body = await pages.fetch('user/list', (t) => fetchJson(`${endpoint}/topapi/v2/user/list?access_token=${t}`, init, 5000));
 * pages.count; // 1
 * ```
 */
export class ApiPages {
  /** Pages fetched or being fetched. */
  count = 0;
  private readonly limiters = new Map<string, RateLimiter>();
  private readonly retry: RetryOptions;

  constructor(private readonly o: ApiPagesOptions) {
    this.retry = { ...DEFAULT_RETRY, ...o.retry };
  }

  /** One page of `api`: the platform's answer once it is a success, else RosterReadError. */
  async fetch(api: string, call: (token: string) => Promise<Record<string, unknown>>, verdict?: ApiPagesOptions['verdict']): Promise<Record<string, unknown>> {
    return (await this.fetchPage(api, call, verdict)).body;
  }

  /** {@link ApiPages.fetch}, with the page's number; `verdict` overrides the platform's for this call. */
  async fetchPage(
    api: string,
    call: (token: string) => Promise<Record<string, unknown>>,
    readAnswer: ApiPagesOptions['verdict'] = this.o.verdict,
  ): Promise<{ body: Record<string, unknown>; page: number }> {
    const page = ++this.count;
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      await this.limiter(api).acquire();
      const answer = await this.tryOnce(call).catch((err: unknown) => this.unusable(err, page, api));
      const verdict = answer.failure ? 'busy' : readAnswer(answer.body);
      if (verdict === 'ok') return { body: answer.body, page };
      if (verdict === 'token' && !refreshed) {
        refreshed = true;
        this.o.token.drop();
        continue;
      }
      const why = answer.failure ?? (typeof verdict === 'object' ? verdict.failed : describe(answer.body));
      if (typeof verdict === 'object' || verdict === 'token' || attempt >= this.retry.attempts) {
        const tries = attempt > 1 ? ` after ${attempt} tries` : '';
        throw new RosterReadError(this.o.source, page, `${api} failed${tries}: ${why}`);
      }
      await sleep(this.backoff(attempt, verdict === 'busy' && !answer.failure));
    }
  }

  private async tryOnce(call: (token: string) => Promise<Record<string, unknown>>): Promise<{ body: Record<string, unknown>; failure?: string }> {
    try {
      return { body: await call(await this.o.token.get()) };
    } catch (err) {
      if (err instanceof TransientError) return { body: {}, failure: err.message };
      throw err;
    }
  }

  /** A failure retrying cannot fix (wrong credentials, a bug): RosterReadError for this page. */
  private unusable(err: unknown, page: number, api: string): never {
    const what = err instanceof HrSagSyncError && err.code === 'hr.credentials-invalid' ? 'the app credentials were refused' : `${api} failed`;
    // WeCom appends a hint, the caller's IP and a help link to every errmsg: left out of the message.
    throw new RosterReadError(this.o.source, page, `${what}: ${(err as Error).message.split(', hint:')[0]}`, { cause: err });
  }

  private backoff(attempt: number, throttled: boolean): number {
    const { baseDelayMs, maxDelayMs, delayScale } = this.retry;
    const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    const wait = throttled ? Math.max(1_000, cap) : cap * (0.5 + Math.random() / 2);
    return wait * delayScale;
  }

  private limiter(api: string): RateLimiter {
    let l = this.limiters.get(api);
    if (!l) {
      l = new RateLimiter(this.o.ratePerSecond(api));
      this.limiters.set(api, l);
    }
    return l;
  }
}

/** `errcode 60003 部门不存在` / `code 40003 department not found`, for messages. */
function describe(body: Record<string, unknown>): string {
  const code = body.errcode !== undefined ? `errcode ${String(body.errcode)}` : `code ${String(body.code)}`;
  const msg = String(body.errmsg ?? body.msg ?? '').split(', hint:')[0];
  return `${code} ${msg}`.trim();
}
