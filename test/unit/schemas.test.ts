import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSchemas, SCHEMA_DIR } from '../../scripts/schemas.js';
import { sampleJoin, sampleTransfer } from '../../local/sample.js';
import { GenericPayloadSchema } from '../../shared/webhook/sources/generic.js';

describe('published JSON Schemas', () => {
  it('match the zod schemas (run `npm run schemas` after changing shared/events.ts, mns/dead-letter.ts or webhook/sources/generic.ts)', () => {
    for (const [name, text] of Object.entries(renderSchemas())) {
      expect(readFileSync(join(SCHEMA_DIR, name), 'utf8'), name).toBe(text);
    }
  });

  it('publish the generic webhook payload with both event types and the office-or-site alternative', () => {
    const generic = JSON.parse(renderSchemas()['generic-webhook.v1.json'] as string);
    const [joined, transferred] = generic.anyOf;
    expect([joined.properties.type.const, transferred.properties.type.const]).toEqual(['employee.joined', 'employee.transferred']);
    expect(joined.required).toEqual(['type', 'timestamp', 'data']);
    expect(joined.properties.data.required).toEqual(['employeeId', 'name', 'email']);
    const officeOrSite = [{ required: ['office'] }, { required: ['site'] }];
    expect(joined.properties.data.anyOf).toEqual(officeOrSite);
    expect(transferred.properties.data.properties.from.anyOf).toEqual(officeOrSite);
    expect(transferred.properties.data.properties.to.anyOf).toEqual(officeOrSite);
    // The samples that `npm start` and `npm run sign` print are valid payloads; without office or site, not.
    const { office: _office, ...noPlace } = sampleJoin().data;
    expect(GenericPayloadSchema.safeParse(sampleJoin()).success).toBe(true);
    expect(GenericPayloadSchema.safeParse(sampleTransfer()).success).toBe(true);
    expect(GenericPayloadSchema.safeParse({ ...sampleJoin(), data: { ...noPlace, site: 'sh-hq' } }).success).toBe(true);
    expect(GenericPayloadSchema.safeParse({ ...sampleJoin(), data: noPlace }).success).toBe(false);
  });

  it('describe the event ids, versions and site snapshot', () => {
    const joined = JSON.parse(renderSchemas()['employee.joined.v1.json'] as string);
    expect(joined.required).toEqual(expect.arrayContaining(['schemaVersion', 'id', 'source', 'occurredAt', 'employee', 'type', 'site']));
    expect(joined.properties.type.const).toBe('employee.joined');
    expect(joined.properties.schemaVersion.const).toBe(1);
  });

  it('describe a leave (email and name optional) and its delete step (a due time)', () => {
    const left = JSON.parse(renderSchemas()['employee.left.v1.json'] as string);
    expect(left.properties.type.const).toBe('employee.left');
    expect(left.required).toEqual(expect.arrayContaining(['schemaVersion', 'id', 'source', 'occurredAt', 'employee', 'type']));
    expect(left.properties.employee.required).toEqual(['id']);
    const del = JSON.parse(renderSchemas()['employee.leave-delete.v1.json'] as string);
    expect(del.properties.type.const).toBe('employee.leave-delete');
    expect(del.required).toContain('dueAt');
    expect(Object.keys(del.properties)).toEqual(expect.arrayContaining(['hopEndsAt', 'chain']));
  });

  it('publish the queue message of every worker queue: joins, transfers, leaves, delete steps and thin events', () => {
    const msg = JSON.parse(renderSchemas()['queue-message.v1.json'] as string);
    const types = msg.properties.event.oneOf.map((e: { properties: { type: { const: string } } }) => e.properties.type.const);
    expect(types).toEqual(['employee.joined', 'employee.transferred', 'employee.left', 'employee.leave-delete', 'employee.enrich']);
    expect(msg.required).toEqual(['event']);
    expect(Object.keys(msg.properties.delivery.properties)).toEqual(expect.arrayContaining(['attempts', 'deferrals']));
  });
});
