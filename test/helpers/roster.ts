/** Rosters as input data for reconcile tests and benchmarks (what a roster reader returns). */
import type { Roster, RosterEmployee, RosterReader, RosterSource } from '../../shared/roster/roster.js';
import { RosterReadError } from '../../shared/roster/roster.js';

export const OFFICES = ['Shanghai', 'Hangzhou', 'Beijing'] as const;

export function employee(i: number, overrides: Partial<RosterEmployee> = {}): RosterEmployee {
  const id = `E${String(i).padStart(5, '0')}`;
  return {
    employeeId: id,
    name: `Employee ${id}`,
    email: `${id.toLowerCase()}@corp.example.com`,
    location: { office: OFFICES[i % OFFICES.length] },
    status: 'active',
    origin: { line: i + 2 },
    ...overrides,
  };
}

export function roster(employees: RosterEmployee[], source: RosterSource = 'file', problems: Roster['problems'] = []): Roster {
  return { source, employees, problems, readAt: new Date().toISOString(), pages: 1 };
}

/** A reader that returns `r` (or fails like an HR API failing on `failPage`). */
export function staticReader(r: Roster | (() => Roster), failPage?: number): RosterReader {
  const get = typeof r === 'function' ? r : () => r;
  return {
    source: get().source,
    async read(onProgress) {
      const value = get();
      if (failPage !== undefined) {
        for (let page = 1; page < failPage; page++) onProgress?.({ page, rows: page * 100 });
        throw new RosterReadError(value.source, failPage, 'HTTP 500 from the HR API');
      }
      onProgress?.({ page: 1, rows: value.employees.length });
      return value;
    },
  };
}

/** A roster file's CSV text (header + one row per employee). */
export function toCsv(employees: readonly RosterEmployee[]): string {
  const rows = employees.map((e) => [e.employeeId, e.name, e.email ?? '', e.location.office ?? '', e.status].join(','));
  return `employeeId,name,email,office,status\n${rows.join('\n')}\n`;
}
