/**
 * Paging of the emulated roster lists. Every platform pages by an opaque cursor (DingTalk: a number, WeCom and
 * Feishu: a string); the emulator's are offsets into the list as it is when the page is read, so a list that
 * changes between pages may repeat or skip entries, as a cursor over a live directory can.
 */

/** One page of `items` from `offset`, and where the next page starts (undefined at the end). */
export function pageOf<T>(items: readonly T[], offset: number, size: number): { page: T[]; next: number | undefined } {
  const page = items.slice(offset, offset + size);
  return { page, next: offset + size < items.length ? offset + size : undefined };
}

const TOKEN_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** An opaque string cursor for an offset. */
export function encodePageToken(offset: number): string {
  return Buffer.from(`o:${offset}`, 'utf8').toString('base64url');
}

/** The offset of a string cursor; undefined when it is not one this emulator issued. */
export function decodePageToken(token: string): number | undefined {
  if (!TOKEN_RE.test(token)) return undefined;
  const m = /^o:(\d{1,9})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : undefined;
}

/** An integer in [min, max] from a query or body value, `fallback` when absent; undefined when invalid. */
export function intParam(value: unknown, fallback: number | undefined, min: number, max: number): number | undefined {
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
  return Number.isInteger(n) && n >= min && n <= max ? n : undefined;
}
