/**
 * A roster file, for any HR system that can export one: CSV with a header row, a JSON array of objects, or JSON
 * Lines (one object per line). UTF-8, with or without a BOM; CRLF or LF. Fields (see row.ts):
 * `employeeId,name,email,office|site,departmentIds,status`.
 *
 * ```csv
 * employeeId,name,email,office,departmentIds,status
 * E1001,Ann Lee,ann.lee@example.com,Shanghai,od-sh;od-rd,active
 * E1002,"Li, Wei",li.wei@example.com,Beijing,,
 * E0917,Bo Chen,,,,departed
 * ```
 *
 * The format follows the extension (`.csv`, `.json`, `.jsonl`/`.ndjson`), else the first character (`[` JSON, `{`
 * JSON Lines, anything else CSV). CSV and JSON Lines are read as a stream; a JSON array is parsed whole.
 *
 * What is a bad row (reported in `problems` with its line, the rest is used) and what makes the whole file
 * unreadable ({@link RosterReadError} with the line, nothing is used):
 *
 * | bad row (`reason`) | unreadable file |
 * | --- | --- |
 * | `field.missing`: no employee id | not UTF-8 (e.g. a GBK export: save it as UTF-8) |
 * | `email.missing`, `email.invalid` (active employees) | no header, or a header without `employeeId`, `email`, or any of `office`/`site`/`departmentIds` |
 * | `status.unknown`, `field.invalid` | a quote never closed: the rest of the file cannot be split into rows |
 * | `employee-id.duplicate`: every row of an id listed twice | a JSON array that is not valid JSON |
 * | `row.unparsable`: broken quoting on one line, a JSON Lines line that is not an object | |
 * | `row.columns`: more CSV fields than the header names (an unquoted comma) | a file that cannot be opened or read (page 0) |
 *
 * The error's `page` is the line (1-based; the header is line 1). An unknown office or site is not the reader's to
 * judge: the plan resolves locations with the site directory.
 *
 * An employee id on several rows keeps **none** of them: the file does not say which is right, and every row is
 * reported (each naming the others' lines). The problems carry the employee id, so a reconcile can leave that
 * employee untouched rather than take the missing row for a departure.
 */
import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { CsvRecords } from './csv-records.js';
import { checkRow, rosterField, type RosterField, type RowValues } from './row.js';
import { RosterReadError, type Roster, type RosterEmployee, type RosterProblem, type RosterProgress, type RosterReader } from './roster.js';

export type RosterFileFormat = 'csv' | 'json' | 'jsonl';

export interface FileRosterOptions {
  /** Default: from the extension, else sniffed from the first character. */
  format?: RosterFileFormat;
}

/** Rows between two progress reports. */
const PROGRESS_EVERY = 1_000;

/** Valid rows (deduplicated), problems, and progress while a file is read. */
class RowCollector {
  private readonly employees = new Map<string, RosterEmployee>();
  /** Employee ids seen on several rows → every line they are on. */
  private readonly duplicates = new Map<string, number[]>();
  private readonly problems: RosterProblem[] = [];
  private rows = 0;

  constructor(private readonly onProgress?: (p: RosterProgress) => void) {}

  add(values: RowValues, line: number): void {
    this.rows++;
    if (this.onProgress && this.rows % PROGRESS_EVERY === 0) this.onProgress({ page: line, rows: this.rows });
    const checked = checkRow(values, line);
    if (!checked.ok) {
      this.problem(checked.problem);
      return;
    }
    const { employee } = checked;
    const id = employee.employeeId;
    const lines = this.duplicates.get(id);
    const first = this.employees.get(id);
    if (lines) lines.push(line);
    else if (first) {
      this.duplicates.set(id, [(first.origin as { line: number }).line, line]);
      this.employees.delete(id);
    } else this.employees.set(id, employee);
  }

  problem(p: RosterProblem): void {
    this.problems.push(p);
  }

  finish(lines: number): Roster {
    for (const [employeeId, lines] of this.duplicates) {
      for (const line of lines) {
        const others = lines.filter((l) => l !== line).join(', ');
        this.problems.push({
          origin: { line },
          reason: 'employee-id.duplicate',
          detail: `the same employee id is on line ${others}; none of its rows is used`,
          employeeId,
        });
      }
    }
    const line = (p: RosterProblem) => ('line' in p.origin ? p.origin.line : 0);
    this.problems.sort((a, b) => line(a) - line(b));
    return { source: 'file', employees: [...this.employees.values()], problems: this.problems, readAt: new Date().toISOString(), pages: lines };
  }
}

/**
 * Reads a roster file to the end, or throws {@link RosterReadError} with the line that made it unreadable.
 * @example
 * ```ts
 * const roster = await new FileRosterReader('employees.csv').read(({ rows }) => console.error(`${rows} rows`));
 * roster.employees.length; // the usable rows
 * roster.problems;         // [{ origin: { line: 7 }, reason: 'email.invalid', detail: '…', employeeId: 'E1007' }]
 * ```
 */
export class FileRosterReader implements RosterReader {
  readonly source = 'file' as const;

  constructor(
    readonly path: string,
    private readonly options: FileRosterOptions = {},
  ) {}

  async read(onProgress?: (p: RosterProgress) => void): Promise<Roster> {
    const chunks = decodedChunks(this.path);
    const first = await chunks.next();
    const head = first.done ? '' : first.value;
    const format = this.options.format ?? formatOf(this.path, head);
    const rest = (async function* () {
      if (head) yield head;
      yield* chunks;
    })();
    const collector = new RowCollector(onProgress);
    const lines =
      format === 'csv' ? await readCsv(rest, collector) : format === 'jsonl' ? await readJsonLines(rest, collector) : await readJsonArray(rest, collector);
    return collector.finish(lines);
  }
}

/** The format by extension, else by the first non-blank character. */
export function formatOf(path: string, head: string): RosterFileFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.json') return 'json';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  const c = head.trimStart()[0];
  return c === '[' ? 'json' : c === '{' ? 'jsonl' : 'csv';
}

/** The file's text in chunks, without a BOM; RosterReadError (with the line) when it cannot be read or is not UTF-8. */
async function* decodedChunks(path: string): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let newlines = 0;
  let chunk: Buffer | undefined;
  try {
    for await (chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      const text = decoder.decode(chunk, { stream: true });
      newlines += count(text, '\n');
      yield text;
    }
    const tail = decoder.decode();
    if (tail) yield tail;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_ENCODING_INVALID_ENCODED_DATA' || !chunk) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new RosterReadError('file', 0, `cannot read ${path}: ${code}`, { cause: err });
    }
    const lenient = new TextDecoder('utf-8').decode(chunk);
    const line = newlines + count(lenient.slice(0, Math.max(0, lenient.indexOf('\uFFFD'))), '\n') + 1;
    throw new RosterReadError('file', line, `line ${line} is not UTF-8 text: save the file as UTF-8`, { cause: err });
  }
}

function count(s: string, c: string): number {
  let n = 0;
  for (let i = s.indexOf(c); i !== -1; i = s.indexOf(c, i + 1)) n++;
  return n;
}

/** CSV: the header, then one row per record. Returns the lines read. */
async function readCsv(chunks: AsyncIterable<string>, collector: RowCollector): Promise<number> {
  const csv = new CsvRecords();
  let columns: Array<RosterField | undefined> | undefined;
  const take = (items: ReturnType<CsvRecords['write']>) => {
    for (const item of items) {
      if ('error' in item) collector.problem({ origin: { line: item.line }, reason: 'row.unparsable', detail: item.error });
      else if (!columns) columns = headerOf(item.fields, item.line);
      else csvRow(item.fields, item.line, columns, collector);
    }
  };
  for await (const chunk of chunks) take(csv.write(chunk));
  const end = csv.end();
  if (end.unclosed !== undefined) {
    throw new RosterReadError('file', end.unclosed, `the quoted field opened on line ${end.unclosed} is never closed, so the rest of the file cannot be read`);
  }
  take(end.items);
  if (!columns) throw new RosterReadError('file', 1, 'the file is empty (a CSV roster starts with a header row)');
  return csv.lines;
}

/** The header's fields by column; RosterReadError when it lacks a required field or repeats one. */
function headerOf(names: string[], line: number): Array<RosterField | undefined> {
  const columns = names.map(rosterField);
  const seen = new Set<RosterField>();
  for (const [i, f] of columns.entries()) {
    if (f && seen.has(f)) throw new RosterReadError('file', line, `the header names ${f} twice (column ${i + 1}: "${names[i]}")`);
    if (f) seen.add(f);
  }
  requireFields(seen, line);
  return columns;
}

function requireFields(fields: ReadonlySet<RosterField>, line: number): void {
  const missing: string[] = (['employeeId', 'email'] as const).filter((f) => !fields.has(f));
  if (!fields.has('office') && !fields.has('site') && !fields.has('departmentIds')) missing.push('office, site or departmentIds');
  if (missing.length > 0) {
    throw new RosterReadError(
      'file',
      line,
      `the header has no ${missing.join(', no ')} column (expected employeeId,name,email,office|site,departmentIds,status)`,
    );
  }
}

function csvRow(fields: string[], line: number, columns: Array<RosterField | undefined>, collector: RowCollector): void {
  if (fields.length > columns.length) {
    const detail = `${fields.length} fields but the header has ${columns.length} (a comma in a field that is not quoted?)`;
    collector.problem({ origin: { line }, reason: 'row.columns', detail });
    return;
  }
  const values: RowValues = {};
  for (const [i, f] of columns.entries()) if (f) values[f] = fields[i];
  collector.add(values, line);
}

/** A JSON object's roster fields (keys matched as CSV columns are). */
function objectValues(o: Record<string, unknown>): RowValues {
  const values: RowValues = {};
  for (const [k, v] of Object.entries(o)) {
    const f = rosterField(k);
    if (f) values[f] = v;
  }
  return values;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** JSON Lines: each non-blank line one object; a line that is not one is a bad row. Returns the lines read. */
async function readJsonLines(chunks: AsyncIterable<string>, collector: RowCollector): Promise<number> {
  let line = 0;
  let carry = '';
  const take = (text: string) => {
    line++;
    if (text.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      v = undefined;
    }
    if (isObject(v)) collector.add(objectValues(v), line);
    else collector.problem({ origin: { line }, reason: 'row.unparsable', detail: 'the line is not a JSON object' });
  };
  for await (const chunk of chunks) {
    const parts = (carry + chunk).split('\n');
    carry = parts.pop() as string;
    for (const p of parts) take(p);
  }
  take(carry);
  return line;
}

/** A JSON array of objects, parsed whole; each element's line is where it starts. Returns the lines read. */
async function readJsonArray(chunks: AsyncIterable<string>, collector: RowCollector): Promise<number> {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    const line = errorLine(text, (err as Error).message);
    throw new RosterReadError('file', line, `not valid JSON near line ${line}: ${(err as Error).message}`, { cause: err });
  }
  if (!Array.isArray(parsed)) throw new RosterReadError('file', 1, 'a JSON roster must be an array of employee objects');
  const lines = elementLines(text);
  for (const [i, v] of parsed.entries()) {
    const line = lines[i] ?? 1;
    if (isObject(v)) collector.add(objectValues(v), line);
    else collector.problem({ origin: { line }, reason: 'row.unparsable', detail: `element ${i + 1} is not a JSON object` });
  }
  return count(text, '\n') + 1;
}

/**
 * The line of a JSON.parse error: the message's line or position when it has one (Node 22), else the first line of
 * the first top-level element that does not parse on its own (Node 20's messages often have neither).
 */
function errorLine(text: string, message: string): number {
  const line = /line (\d+)/.exec(message);
  if (line) return Number(line[1]);
  const at = /position (\d+)/.exec(message);
  if (at) return count(text.slice(0, Number(at[1])), '\n') + 1;
  const elements = arrayElements(text);
  for (const e of elements) {
    try {
      JSON.parse(text.slice(e.start, e.end));
    } catch {
      return e.line;
    }
  }
  return elements.at(-1)?.line ?? 1;
}

/** The line each top-level element of a (valid) JSON array starts on. */
export function elementLines(text: string): number[] {
  return arrayElements(text).map((e) => e.line);
}

/** Where each top-level element of a JSON array is: its first line, its start and end offsets. */
function arrayElements(text: string): Array<{ line: number; start: number; end: number }> {
  const out: Array<{ line: number; start: number; end: number }> = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let current: { line: number; start: number; end: number } | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (c === LF) line++;
    if (c === LF || c === CR || c === SPACE || c === TAB) continue;
    if (depth === 1 && (c === COMMA || c === CLOSE_ARRAY)) current = undefined;
    else if (depth === 1 && !current) {
      current = { line, start: i, end: i + 1 };
      out.push(current);
    }
    if (c === QUOTE) inString = true;
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) depth++;
    else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--;
    if (current) current.end = i + 1;
  }
  return out;
}

const [LF, CR, SPACE, TAB, COMMA, QUOTE, BACKSLASH] = [10, 13, 32, 9, 44, 34, 92];
const [OPEN_ARRAY, CLOSE_ARRAY, OPEN_OBJECT, CLOSE_OBJECT] = [91, 93, 123, 125];
