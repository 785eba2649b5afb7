/**
 * The roster file reader on real files: CSV (BOM, CRLF, RFC 4180 quoting), JSON arrays and JSON Lines; every kind
 * of bad row reported with its line and the rest used; what makes a whole file unreadable.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CsvRecords } from '../../shared/roster/csv-records.js';
import { elementLines, FileRosterReader, formatOf } from '../../shared/roster/file.js';
import { RosterReadError, type Roster } from '../../shared/roster/roster.js';

const dir = mkdtempSync(join(tmpdir(), 'roster-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(content: string | Buffer, ext = '.csv'): string {
  const path = join(dir, `r${n++}${ext}`);
  writeFileSync(path, content);
  return path;
}

const read = (content: string | Buffer, ext = '.csv') => new FileRosterReader(file(content, ext)).read();

async function unreadable(p: Promise<Roster>): Promise<RosterReadError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RosterReadError);
  return err as RosterReadError;
}

const HEADER = 'employeeId,name,email,office,departmentIds,status';

describe('CSV', () => {
  it('reads a BOM + CRLF file with quoted commas, line breaks and quotes, each row with its first line', async () => {
    const csv = [
      `\uFEFF${HEADER}`,
      'E1,"Lee, Ann",ann@example.com,Shanghai,od-sh;od-rd,active',
      '',
      'E2,"Wei\r\nLi",wei@example.com,Beijing,od-bj|od-x,',
      'E3,"Bo ""the boss"" Chen",bo@example.com,,,',
      'E4,Gone,,,,departed',
    ].join('\r\n');
    const roster = await read(`${csv}\r\n`);
    expect(roster.problems).toEqual([]);
    expect(roster.source).toBe('file');
    expect(roster.pages).toBe(8);
    expect(roster.employees).toEqual([
      {
        employeeId: 'E1',
        name: 'Lee, Ann',
        email: 'ann@example.com',
        location: { office: 'Shanghai', departmentIds: ['od-sh', 'od-rd'] },
        status: 'active',
        origin: { line: 2 },
      },
      {
        employeeId: 'E2',
        name: 'Wei\r\nLi',
        email: 'wei@example.com',
        location: { office: 'Beijing', departmentIds: ['od-bj', 'od-x'] },
        status: 'active',
        origin: { line: 4 },
      },
      { employeeId: 'E3', name: 'Bo "the boss" Chen', email: 'bo@example.com', location: {}, status: 'active', origin: { line: 6 } },
      { employeeId: 'E4', name: 'Gone', location: {}, status: 'departed', origin: { line: 7 } },
    ]);
    expect(Date.parse(roster.readAt)).toBeGreaterThan(0);
  });

  it('matches columns loosely, ignores unknown ones, takes site, and accepts status synonyms', async () => {
    const csv = [
      'Employee ID,E-Mail,Site,Department,Status,Cost Centre',
      'E1,a@example.com,sh-hq,,Resigned,CC1',
      'E2,b@example.com,,,LEFT,',
      'E3,c@example.com,bj,,inactive,',
      'E4,d@example.com,bj,,Employed,',
    ];
    const roster = await read(csv.join('\n'));
    expect(roster.problems).toEqual([]);
    expect(roster.employees.map((e) => [e.employeeId, e.status, e.location.site, e.name])).toEqual([
      ['E1', 'departed', 'sh-hq', ''],
      ['E2', 'departed', undefined, ''],
      ['E3', 'departed', 'bj', ''],
      ['E4', 'active', 'bj', ''],
    ]);
  });

  it('reports each kind of bad row with its line and reason, and keeps the rest', async () => {
    const csv = [
      HEADER,
      'E1,Ann,ann@example.com,Shanghai,,', // 2 ok
      'E2,No Mail,,Shanghai,,', // 3 email.missing
      'E3,Bad Mail,not-an-email,Shanghai,,', // 4 email.invalid
      ',No Id,x@example.com,Shanghai,,', // 5 field.missing
      'E5,Odd,e5@example.com,Shanghai,,on-leave', // 6 status.unknown
      'E6,"Broken"quote,e6@example.com,Shanghai,,', // 7 row.unparsable
      'E7,Bro"ken,e7@example.com,Shanghai,,', // 8 row.unparsable
      'E8,Lee, Ann,e8@example.com,Shanghai,,', // 9 row.columns
      'E9,Dup One,d1@example.com,Shanghai,,', // 10 duplicate
      'E10,Fine,e10@example.com,Beijing,,', // 11 ok
      'E9,Dup Two,d2@example.com,Beijing,,', // 12 duplicate
      `E11,${'x'.repeat(257)},e11@example.com,,,`, // 13 field.invalid
      'E12,Left,not-an-email,,,departed', // 14 ok: a leaver needs no email
    ];
    const roster = await read(csv.join('\n'));
    expect(roster.employees.map((e) => [e.employeeId, e.origin])).toEqual([
      ['E1', { line: 2 }],
      ['E10', { line: 11 }],
      ['E12', { line: 14 }],
    ]);
    expect(roster.employees[2]?.email).toBeUndefined();
    expect(roster.problems.map((p) => [(p.origin as { line: number }).line, p.reason, p.employeeId])).toEqual([
      [3, 'email.missing', 'E2'],
      [4, 'email.invalid', 'E3'],
      [5, 'field.missing', undefined],
      [6, 'status.unknown', 'E5'],
      [7, 'row.unparsable', undefined],
      [8, 'row.unparsable', undefined],
      [9, 'row.columns', undefined],
      [10, 'employee-id.duplicate', 'E9'],
      [12, 'employee-id.duplicate', 'E9'],
      [13, 'field.invalid', 'E11'],
    ]);
    expect(roster.problems.find((p) => (p.origin as { line: number }).line === 10)?.detail).toContain('line 12');
    expect(roster.problems.find((p) => (p.origin as { line: number }).line === 12)?.detail).toContain('line 10');
    expect(JSON.stringify(roster.problems)).not.toContain('not-an-email');
  });

  it('reports an employee id on three rows on all three lines', async () => {
    const roster = await read([HEADER, 'E1,A,a@example.com,x,,', 'E1,A,a@example.com,x,,', 'E2,B,b@example.com,x,,', 'E1,A,a@example.com,x,,'].join('\n'));
    expect(roster.employees.map((e) => e.employeeId)).toEqual(['E2']);
    expect(roster.problems.map((p) => [p.origin, p.detail])).toEqual([
      [{ line: 2 }, 'the same employee id is on line 3, 5; none of its rows is used'],
      [{ line: 3 }, 'the same employee id is on line 2, 5; none of its rows is used'],
      [{ line: 5 }, 'the same employee id is on line 2, 3; none of its rows is used'],
    ]);
  });

  it('refuses a file whose quote is never closed, naming the line it opened on', async () => {
    const err = await unreadable(read([HEADER, 'E1,Ann,ann@example.com,x,,', 'E2,"Wei Li,wei@example.com,x,,', 'E3,Bo,bo@example.com,x,,'].join('\n')));
    expect(err.page).toBe(3);
    expect(err.source).toBe('file');
    expect(err.message).toMatch(/quoted field opened on line 3 is never closed.*\(page 3\); nothing was applied/);
  });

  it('refuses a file without a usable header', async () => {
    expect((await unreadable(read(''))).message).toContain('empty');
    expect((await unreadable(read('\n\n'))).message).toContain('empty');
    const noEmail = await unreadable(read('employeeId,name,office\nE1,Ann,x\n'));
    expect([noEmail.page, noEmail.message]).toEqual([1, expect.stringContaining('no email column')]);
    expect((await unreadable(read('\nemployeeId,email\n'))).message).toMatch(/no office, site or departmentIds column/);
    const twice = await unreadable(read('employeeId,email,office,E-mail\n'));
    expect(twice.message).toContain('names email twice (column 4: "E-mail")');
  });

  it('refuses a file that is not UTF-8 (a GBK export), naming the line', async () => {
    const gbk = Buffer.concat([
      Buffer.from(`${HEADER}\nE1,Ann,ann@example.com,x,,\nE2,`),
      Buffer.from([0xd5, 0xc5, 0xc8, 0xfd]),
      Buffer.from(',zs@example.com,x,,\n'),
    ]);
    const err = await unreadable(read(gbk));
    expect([err.page, err.message]).toEqual([3, expect.stringContaining('line 3 is not UTF-8')]);
  });

  it('refuses a file that cannot be opened', async () => {
    const err = await unreadable(new FileRosterReader(join(dir, 'missing.csv')).read());
    expect([err.page, err.message]).toEqual([0, expect.stringContaining('ENOENT')]);
    expect((await unreadable(new FileRosterReader(dir).read())).message).toContain('EISDIR');
  });

  it('reports progress every 1,000 rows', async () => {
    const rows = Array.from({ length: 2_500 }, (_, i) => `E${i},N,e${i}@example.com,x,,`);
    const seen: Array<{ page: number; rows: number }> = [];
    const roster = await new FileRosterReader(file([HEADER, ...rows].join('\n'))).read((p) => seen.push(p));
    expect(roster.employees).toHaveLength(2_500);
    expect(seen).toEqual([
      { page: 1_001, rows: 1_000 },
      { page: 2_001, rows: 2_000 },
    ]);
  });
});

describe('JSON and JSON Lines', () => {
  it('reads a JSON array with each element at the line it starts on', async () => {
    const json = `[\n  {"employeeId": "E1", "name": "Ann", "email": "ann@example.com", "departmentIds": ["od-1", 2]},\n  {"employee_id": 7, "email": "b@example.com", "site": "bj", "status": "left"},\n  "nope",\n  {"employeeId": "E3", "email": "c@example.com", "departmentIds": "a|b", "note": "x\\"]["}\n]`;
    const roster = await read(json, '.json');
    expect(roster.employees).toEqual([
      { employeeId: 'E1', name: 'Ann', email: 'ann@example.com', location: { departmentIds: ['od-1', '2'] }, status: 'active', origin: { line: 2 } },
      { employeeId: '7', name: '', email: 'b@example.com', location: { site: 'bj' }, status: 'departed', origin: { line: 3 } },
      { employeeId: 'E3', name: '', email: 'c@example.com', location: { departmentIds: ['a', 'b'] }, status: 'active', origin: { line: 5 } },
    ]);
    expect(roster.problems).toEqual([{ origin: { line: 4 }, reason: 'row.unparsable', detail: 'element 3 is not a JSON object' }]);
  });

  it('reports JSON fields of the wrong type as bad rows', async () => {
    const json = JSON.stringify([
      { employeeId: true, email: 'a@example.com' },
      { employeeId: 'E2', email: 5, office: 'x' },
      { employeeId: 'E3', email: 'c@example.com', office: ['x'] },
      { employeeId: 'E4', email: 'd@example.com', departmentIds: [{}] },
      { employeeId: 'E5', email: 'e@example.com', site: {} },
      { employeeId: 'E6', email: 'f@example.com', name: ['x'] },
      { employeeId: 'E7', email: 'g@example.com', status: 1 },
    ]);
    const roster = await read(json, '.json');
    expect(roster.employees).toEqual([]);
    expect(roster.problems.map((p) => [p.reason, p.detail])).toEqual([
      ['field.invalid', 'employeeId must be a string or a number'],
      ['field.invalid', 'email must be a string'],
      ['field.invalid', 'office must be a string'],
      ['field.invalid', 'departmentIds must be a list of strings'],
      ['field.invalid', 'site must be a string'],
      ['field.invalid', 'name must be text of at most 256 characters'],
      ['status.unknown', expect.stringContaining('active or departed')],
    ]);
  });

  it('refuses invalid JSON and a JSON value that is not an array, naming the line', async () => {
    const bad = await unreadable(read('[\n{"employeeId": "E1"},\n{"employeeId": }\n]', '.json'));
    expect(bad.page).toBe(3);
    expect((await unreadable(read('{"employeeId": "E1"}', '.json'))).message).toContain('must be an array');
  });

  it('reads JSON Lines, a bad line being a bad row', async () => {
    const jsonl = [
      '{"employeeId":"E1","email":"a@example.com","office":"x"}',
      '',
      '{"employeeId":"E2",',
      '[1]',
      '{"employeeId":"E3","email":"c@example.com","office":"y"}\r',
    ].join('\n');
    const roster = await read(`${jsonl}\n`, '.jsonl');
    expect(roster.employees.map((e) => [e.employeeId, e.origin])).toEqual([
      ['E1', { line: 1 }],
      ['E3', { line: 5 }],
    ]);
    expect(roster.problems.map((p) => [p.origin, p.reason])).toEqual([
      [{ line: 3 }, 'row.unparsable'],
      [{ line: 4 }, 'row.unparsable'],
    ]);
  });

  it('picks the format by extension, else by the first character', async () => {
    expect(formatOf('a.CSV', '[')).toBe('csv');
    expect(formatOf('a.ndjson', '')).toBe('jsonl');
    expect(formatOf('roster', ' \n[')).toBe('json');
    expect(formatOf('roster.txt', '{"a":1}')).toBe('jsonl');
    expect(formatOf('-', 'employeeId,email')).toBe('csv');
    const sniffed = await read('\uFEFF[{"employeeId":"E1","email":"a@example.com"}]', '');
    expect(sniffed.employees.map((e) => e.employeeId)).toEqual(['E1']);
    const forced = await new FileRosterReader(file('{"employeeId":"E1","email":"a@example.com"}', '.txt'), { format: 'jsonl' }).read();
    expect(forced.employees).toHaveLength(1);
    expect((await read('', '.jsonl')).employees).toEqual([]);
  });

  it('finds element lines past strings holding brackets, escapes and commas', () => {
    expect(elementLines('[\n"a,]\\"",\n{"x":[1,\n2]},\n3\n]')).toEqual([2, 3, 5]);
    expect(elementLines('[]')).toEqual([]);
  });
});

describe('CSV records', () => {
  /** A field as a spreadsheet would write it. */
  const quote = (s: string) => (/[",\r\n]/.test(s) || s === '' ? `"${s.replaceAll('"', '""')}"` : s);
  const field = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r\n', ' ', 'é', '张'), maxLength: 6 });

  it('reads back any records written with RFC 4180 quoting, in chunks of any size, with their first lines', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 9 }),
        fc.boolean(),
        (records, size, crlf) => {
          const eol = crlf ? '\r\n' : '\n';
          const text = records.map((r) => r.map(quote).join(',')).join(eol) + eol;
          const csv = new CsvRecords();
          const out: unknown[] = [];
          for (let i = 0; i < text.length; i += size) out.push(...csv.write(text.slice(i, i + size)));
          out.push(...csv.end().items);
          let line = 1;
          const expected = records.map((r) => {
            const item = { line, fields: r };
            line += r.join('').replaceAll('\r\n', '\n').split('\n').length;
            return item;
          });
          expect(out).toEqual(expected);
        },
      ),
    );
  });

  it('recovers from broken quoting at the end of the input and treats a lone CR as a line break', () => {
    const csv = new CsvRecords();
    expect(csv.write('a,b\r1,"x\ry"\r2,z"')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', 'x\ry'] },
    ]);
    expect(csv.end()).toEqual({ items: [{ line: 4, error: expect.stringContaining('unquoted') }] });
    const split = new CsvRecords();
    expect([...split.write('a\r'), ...split.write('\nb')]).toEqual([{ line: 1, fields: ['a'] }]);
    expect(split.end().items).toEqual([{ line: 2, fields: ['b'] }]);
  });
});
