/**
 * Publishes the JSON Schemas of the generic webhook's payload, the canonical events, the queue message and the
 * dead-letter record under docs/schemas/, generated from the zod schemas (the single source of truth). `npm run schemas` rewrites them;
 * test/unit/schemas.test.ts fails when they are stale.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod/mini';
import {
  DeadLetterSchema,
  EmployeeJoinedSchema,
  EmployeeLeaveDeleteSchema,
  EmployeeLeftSchema,
  EmployeeTransferredSchema,
  EnrichRequestSchema,
  GenericPayloadSchema,
  QueueMessageSchema,
} from '../shared/index.js';

export const SCHEMA_DIR = join('docs', 'schemas');

export function renderSchemas(): Record<string, string> {
  const doc = (id: string, title: string, schema: z.core.$ZodType) =>
    `${JSON.stringify({ $id: `https://hr-sag-sync.local/schemas/${id}`, title, ...z.toJSONSchema(schema, { io: 'input' }) }, null, 2)}\n`;
  return {
    'generic-webhook.v1.json': doc(
      'generic-webhook.v1.json',
      'Generic webhook payload (POST /webhooks/generic, signed per Standard Webhooks); other `type`s are acknowledged and ignored',
      GenericPayloadSchema,
    ),
    'employee.joined.v1.json': doc('employee.joined.v1.json', 'employee.joined (schemaVersion 1)', EmployeeJoinedSchema),
    'employee.transferred.v1.json': doc('employee.transferred.v1.json', 'employee.transferred (schemaVersion 1)', EmployeeTransferredSchema),
    'employee.left.v1.json': doc('employee.left.v1.json', 'employee.left (schemaVersion 1)', EmployeeLeftSchema),
    'employee.leave-delete.v1.json': doc('employee.leave-delete.v1.json', 'employee.leave-delete (schemaVersion 1)', EmployeeLeaveDeleteSchema),
    'employee.enrich.v1.json': doc(
      'employee.enrich.v1.json',
      'employee.enrich (schemaVersion 1): a thin DingTalk/WeCom event awaiting enrichment',
      EnrichRequestSchema,
    ),
    'queue-message.v1.json': doc(
      'queue-message.v1.json',
      'Queue message of hr-join, hr-transfer, hr-leave and hr-enrich: a join, transfer, leave, leave delete step or thin event, with delivery bookkeeping',
      QueueMessageSchema,
    ),
    'dead-letter.v1.json': doc('dead-letter.v1.json', 'Dead-letter record hr-sag-sync.dead-letter/1', DeadLetterSchema),
  };
}

if (process.argv[1]?.endsWith('schemas.ts')) {
  mkdirSync(SCHEMA_DIR, { recursive: true });
  for (const [name, text] of Object.entries(renderSchemas())) {
    writeFileSync(join(SCHEMA_DIR, name), text);
    console.log(`wrote ${join(SCHEMA_DIR, name)}`);
  }
}
