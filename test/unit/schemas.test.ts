import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSchemas, SCHEMA_DIR } from '../../scripts/schemas.js';

describe('published JSON Schemas', () => {
  it('match the zod schemas (run `npm run schemas` after changing shared/events.ts or mns/dead-letter.ts)', () => {
    for (const [name, text] of Object.entries(renderSchemas())) {
      expect(readFileSync(join(SCHEMA_DIR, name), 'utf8'), name).toBe(text);
    }
  });

  it('describe the event ids, versions and site snapshot', () => {
    const joined = JSON.parse(renderSchemas()['employee.joined.v1.json'] as string);
    expect(joined.required).toEqual(expect.arrayContaining(['schemaVersion', 'id', 'source', 'occurredAt', 'employee', 'type', 'site']));
    expect(joined.properties.type.const).toBe('employee.joined');
    expect(joined.properties.schemaVersion.const).toBe(1);
  });
});
