/**
 * Shared by the Tablestore emulator tests: the official `tablestore` SDK (5.6.5, and 5.4.1 — the version the FC
 * nodejs20 runtime preinstalls — under the npm alias `tablestore-5-4`), a client on an emulator, and the SDK's error
 * shape (`err.code` is the HTTP status number; the Tablestore code is inside `err.message`).
 */
import { createRequire } from 'node:module';
import type { TablestoreEmulator } from '../../emulators/tablestore/index.js';

const require = createRequire(import.meta.url);
/** The SDK has no type declarations: it is used untyped, as plain JavaScript would. */
export const TableStore: any = require('tablestore');
export const TableStore54: any = require('tablestore-5-4');

export interface ClientOptions {
  maxRetries?: number;
  timeoutMs?: number;
  accessKeyId?: string;
  accessKeySecret?: string;
  instancename?: string;
  sdk?: any;
}

/** A client of the emulator; retries off unless asked (the SDK's `maxRetries` is process-global per SDK copy). */
export function clientOf(ots: TablestoreEmulator, o: ClientOptions = {}): any {
  const sdk = o.sdk ?? TableStore;
  return new sdk.Client({
    endpoint: ots.url,
    instancename: o.instancename ?? ots.instanceName,
    accessKeyId: o.accessKeyId ?? ots.accessKeyId,
    accessKeySecret: o.accessKeySecret ?? ots.accessKeySecret,
    maxRetries: o.maxRetries ?? 0,
    ...(o.timeoutMs ? { httpOptions: { timeout: o.timeoutMs } } : {}),
  });
}

export interface SdkError extends Error {
  code: number | string;
  headers?: Record<string, string>;
}

/** The rejection of a promise that must reject (fails the test if it resolves). */
export async function failure(p: Promise<unknown>): Promise<SdkError> {
  try {
    await p;
  } catch (err) {
    return err as SdkError;
  }
  throw new Error('expected the call to fail, it succeeded');
}

/** The Tablestore error code inside the SDK's message (e.g. `OTSConditionCheckFail`). */
export function otsCode(err: SdkError): string | undefined {
  return /\bOTS[A-Za-z]+/.exec(err.message)?.[0];
}

/** `{status, code, message}` of a failed call, the message being the text after the code. */
export async function otsFailure(p: Promise<unknown>): Promise<{ status: number | string; code: string | undefined; message: string }> {
  const err = await failure(p);
  const code = otsCode(err);
  const text = err.message.replace(/ requestId:\S*$/, '');
  // The body is protobuf Error{code=1, message=2} read as UTF-8: the message follows its tag (0x12) and a length
  // varint (two bytes from 128 characters on, the first one unreadable as UTF-8).
  const message = code ? text.slice(text.indexOf(code) + code.length).replace(/^\u0012(?:\uFFFD+[\s\S]|[\s\S])/, '') : text;
  return { status: err.code, code, message };
}

/** Creates a table with a string (or given) primary key; TTL -1 and one version unless told. */
export async function createTable(
  client: any,
  name: string,
  o: { pk?: Array<{ name: string; type: string }>; ttl?: number; maxVersions?: number } = {},
): Promise<void> {
  await client.createTable({
    tableMeta: { tableName: name, primaryKey: o.pk ?? [{ name: 'id', type: 'STRING' }] },
    reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
    tableOptions: { timeToLive: o.ttl ?? -1, maxVersions: o.maxVersions ?? 1 },
  });
}

/** A row's attributes as `{name: value}` (latest version first wins), INTEGERs as numbers. */
export function attrs(row: { attributes?: Array<{ columnName: string; columnValue: unknown }> } | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of row?.attributes ?? []) if (!(a.columnName in out)) out[a.columnName] = plain(a.columnValue);
  return out;
}

/** An SDK value as plain data: Int64 → number, Buffer kept. */
export function plain(v: unknown): unknown {
  if (v && typeof v === 'object' && typeof (v as { toNumber?: unknown }).toNumber === 'function' && !Buffer.isBuffer(v))
    return (v as { toNumber(): number }).toNumber();
  return v;
}

/** A row's primary key as `{name: value}`. */
export function pkOf(row: { primaryKey?: Array<{ name: string; value: unknown }> } | undefined): Record<string, unknown> {
  return Object.fromEntries((row?.primaryKey ?? []).map((c) => [c.name, plain(c.value)]));
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * A request made by hand, signed as the SDK signs unless `sign` says otherwise: for what the SDK cannot send (bad
 * signatures, skewed dates, corrupt bodies). `mutate` edits the headers after signing.
 */
export async function rawRequest(
  ots: TablestoreEmulator,
  path: string,
  body: Buffer,
  o: { method?: string; date?: string; secret?: string; mutate?: (h: Record<string, string>) => void; md5?: string } = {},
): Promise<RawAnswer> {
  const { otsSignature, otsStringToSign } = await import('../../emulators/tablestore/index.js');
  const { createHash } = await import('node:crypto');
  const headers: Record<string, string> = {
    'x-ots-date': o.date ?? new Date().toISOString(),
    'x-ots-apiversion': '2015-12-31',
    'x-ots-accesskeyid': ots.accessKeyId,
    'x-ots-instancename': ots.instanceName,
    'x-ots-contentmd5': o.md5 ?? createHash('md5').update(body).digest('base64'),
  };
  headers['x-ots-signature'] = otsSignature(o.secret ?? ots.accessKeySecret, otsStringToSign(path, headers));
  o.mutate?.(headers);
  const res = await fetch(`${ots.url}${path}`, { method: o.method ?? 'POST', headers, body: o.method === 'GET' || o.method === 'HEAD' ? undefined : body });
  return { status: res.status, headers: Object.fromEntries(res.headers), body: Buffer.from(await res.arrayBuffer()) };
}
