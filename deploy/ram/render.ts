/**
 * Fills the placeholders of a RAM policy in this folder and prints it, ready for `aliyun ram CreatePolicy` or the
 * console's JSON editor:
 *
 *   npx tsx deploy/ram/render.ts worker-role-policy.json --region cn-shanghai --account-id 1234567890123456
 *
 * Placeholders: <REGION>, <ACCOUNT_ID>, and <TABLESTORE_INSTANCE> (--tablestore-instance) in the policies that name
 * the ledger table. The names in the policies (functions hr-sag-sync-*, roles
 * hr-sag-sync-webhook / hr-sag-sync-worker, queues hr-*, log project hr-sag-sync-<ACCOUNT_ID>, logstore functions)
 * are s.yaml's defaults; test/deploy checks that they agree. If you override FUNCTION_PREFIX, the role names, the
 * queue names or LOG_STORE, edit the rendered policy accordingly.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const RAM_DIR = dirname(fileURLToPath(import.meta.url));
export const POLICY_FILES = [
  'trust-policy.json',
  'webhook-role-policy.json',
  'worker-role-policy.json',
  'reconcile-role-policy.json',
  'deployer-policy.json',
  'operator-readonly-policy.json',
  'operator-redrive-policy.json',
  'operator-policy.json',
  'operator-smoke-policy.json',
] as const;

export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: string | string[];
  Principal?: { Service?: string[] };
  Condition?: Record<string, unknown>;
}
export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

/** Replaces the placeholders; throws when one is left or the result is not a policy document. */
export function renderPolicy(text: string, o: RenderOptions): string {
  if (!/^[a-z]{2}-[a-z0-9-]+$/.test(o.region)) throw new Error(`region must look like cn-shanghai (got "${o.region}")`);
  if (!/^\d+$/.test(o.accountId)) throw new Error(`account id must be numeric (got "${o.accountId}")`);
  let out = text.replaceAll('<REGION>', o.region).replaceAll('<ACCOUNT_ID>', o.accountId);
  if (out.includes('<TABLESTORE_INSTANCE>')) {
    if (!o.tablestoreInstance) throw new Error('this policy names the ledger table: give --tablestore-instance (TABLESTORE_INSTANCE)');
    if (!/^[A-Za-z][A-Za-z0-9-]{1,14}[A-Za-z0-9]$/.test(o.tablestoreInstance)) throw new Error(`not a Tablestore instance name: "${o.tablestoreInstance}"`);
    // RAM matches instance names in lower case (https://www.alibabacloud.com/help/en/tablestore/tablestore-ram-policy/).
    out = out.replaceAll('<TABLESTORE_INSTANCE>', o.tablestoreInstance.toLowerCase());
  }
  const left = /<[A-Z_]+>/.exec(out);
  if (left) throw new Error(`placeholder ${left[0]} left in the policy`);
  const doc = JSON.parse(out) as PolicyDocument;
  if (doc.Version !== '1' || !Array.isArray(doc.Statement)) throw new Error('not a RAM policy document (Version "1", Statement [])');
  return JSON.stringify(doc, null, 2);
}

/** The values of the placeholders: <REGION>, <ACCOUNT_ID> and, in policies that name the ledger table, <TABLESTORE_INSTANCE>. */
export interface RenderOptions {
  region: string;
  accountId: string;
  tablestoreInstance?: string;
}

export function loadPolicy(file: string, o: RenderOptions): PolicyDocument {
  return JSON.parse(renderPolicy(readFileSync(isAbsolute(file) ? file : join(RAM_DIR, file), 'utf8'), o)) as PolicyDocument;
}

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
export const actionsOf = (doc: PolicyDocument): string[] => doc.Statement.flatMap((s) => asList(s.Action));
/** The resources a policy grants `action` on. */
export const resourcesFor = (doc: PolicyDocument, action: string): string[] =>
  doc.Statement.filter((s) => asList(s.Action).includes(action)).flatMap((s) => asList(s.Resource));

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { region: { type: 'string' }, 'account-id': { type: 'string' }, 'tablestore-instance': { type: 'string' } },
  });
  const file = positionals[0];
  if (!file || !values.region || !values['account-id']) {
    console.error(`usage: npx tsx deploy/ram/render.ts <${POLICY_FILES.join('|')}> --region <region> --account-id <id> [--tablestore-instance <name>]`);
    process.exit(2);
  }
  const path = isAbsolute(file) || file.includes('/') ? resolve(file) : join(RAM_DIR, file);
  process.stdout.write(
    `${renderPolicy(readFileSync(path, 'utf8'), { region: values.region, accountId: values['account-id'], tablestoreInstance: values['tablestore-instance'] ?? process.env.TABLESTORE_INSTANCE })}\n`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
