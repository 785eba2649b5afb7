/**
 * Structured JSON-line logging. One line per call, `{"level","time","msg",...fields}` on stdout (FC ships stdout
 * to SLS when `logConfig` is set). Emails and secrets are masked here, in one place, whatever the caller passes:
 * - keys that look secret (`secret`, `password`, `token`, `signature`, `authorization`, `accessKey…`, `encrypt…`)
 *   are replaced with `***`;
 * - any string value containing an email keeps the first character of the local part and the domain
 *   (`a***@example.com`).
 *
 * @example
 * ```ts
 * const log = createLogger({ fn: 'join-worker' });
 * log.info('outcome', { eventId: 'evt_1', email: 'ann@example.com' }); // {"...","email":"a***@example.com"}
 * ```
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export type LogSink = (line: string) => void;

const SECRET_KEY = /secret|passw|token|signature|authorization|access_?key|credential|encrypt|aes_?key|echostr/i;
// The lookbehind lets a match start only where a run of local-part characters starts: without it, a long run with
// no `@` was rescanned from each of its positions (quadratic: 16 KB of text cost seconds).
const EMAIL = /(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;

/** Masks emails inside a string: `ann.lee@example.com` → `a***@example.com`. */
export function maskEmails(value: string): string {
  return value.replace(EMAIL, '$1***@$2');
}

/** Deep copy of `value` with secrets and emails masked. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskEmails(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (value instanceof Error) return { name: value.name, message: maskEmails(value.message), code: (value as { code?: unknown }).code };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) && v !== undefined && v !== null && v !== '' ? '***' : redact(v, depth + 1);
  return out;
}

let defaultSink: LogSink = (line) => process.stdout.write(`${line}\n`);

/** Replaces where log lines go (tests capture them; the local stack may prefix them). Returns the previous sink. */
export function setLogSink(sink: LogSink): LogSink {
  const prev = defaultSink;
  defaultSink = sink;
  return prev;
}

/** A logger writing at `level` and above (default: LOG_LEVEL of the process, else info). */
export function createLogger(base: Record<string, unknown> = {}, level: LogLevel = (process.env.LOG_LEVEL as LogLevel) || 'info'): Logger {
  const min = ORDER[level] ?? ORDER.info;
  const write = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < min) return;
    const record = redact({ level: lvl, time: new Date().toISOString(), msg, ...base, ...fields }) as Record<string, unknown>;
    defaultSink(JSON.stringify(record));
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => createLogger({ ...base, ...fields }, level),
  };
}
