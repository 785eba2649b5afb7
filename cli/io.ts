/**
 * Where a command writes: stdout for results (a table, lines, or one JSON document with `--json`), stderr for
 * progress and diagnostics. Colours only when the stream is a terminal and NO_COLOR is unset
 * (https://no-color.org). Commands receive an {@link Io} instead of touching `process`, so tests run them
 * in-process and read what they printed.
 */
import { styleText } from 'node:util';

export interface Io {
  /** The environment the command reads (credentials, queue names, site directory, …). */
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  /** The user's home directory (the aliyun CLI profile file lives under it). */
  home: string;
}

/** The process's own streams and environment. */
export function processIo(): Io {
  return { env: process.env, stdout: process.stdout, stderr: process.stderr, home: process.env.HOME ?? process.env.USERPROFILE ?? '' };
}

type Style = 'green' | 'red' | 'yellow' | 'dim' | 'bold' | 'cyan';

/** Whether `stream` gets colours: a terminal, and neither NO_COLOR nor TERM=dumb. */
export function colours(io: Io, stream: 'stdout' | 'stderr'): boolean {
  return !!io[stream].isTTY && !io.env.NO_COLOR && io.env.TERM !== 'dumb';
}

/** `text` in `style` when `stream` gets colours, else unchanged. */
export function paint(io: Io, stream: 'stdout' | 'stderr', style: Style, text: string): string {
  return colours(io, stream) ? styleText(style, text) : text;
}

/** One line to stdout. */
export const println = (io: Io, line = '') => io.stdout.write(`${line}\n`);
/** One line to stderr. */
export const eprintln = (io: Io, line = '') => io.stderr.write(`${line}\n`);

/** The command's JSON document, on stdout, one line (pipe it into jq). */
export function printJson(io: Io, doc: object): void {
  io.stdout.write(`${JSON.stringify(doc)}\n`);
}

/** A plain table: a header row and left-aligned columns separated by two spaces. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** `3661` → `1h01m`, `75` → `1m15s`, `5` → `5s`. */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d${String(Math.floor((s % 86_400) / 3600)).padStart(2, '0')}h`;
}
