/**
 * The RAM documents in deploy/ram: valid, least privilege as designed (the webhook role cannot touch SAG; the
 * workers' role has exactly the three client-user actions; mns:SendMessage only on the product's queues; PassRole
 * only on the two function roles), and their names agree with the code's queue defaults. The agreement with s.yaml's
 * rendered names (functions, roles, log project) is in s-yaml.test.ts, which has the rendered file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { POLICY_FILES, RAM_DIR, actionsOf, loadPolicy, renderPolicy, resourcesFor } from '../../deploy/ram/render.js';
import { DEFAULT_QUEUE_NAMES } from '../../shared/config.js';

const at = { region: 'cn-shanghai', accountId: '1234567890123456', tablestoreInstance: 'HR-Sag-Sync' };
const LEDGER_TABLE_ARN = `acs:ots:${at.region}:${at.accountId}:instance/hr-sag-sync/table/hr_sag_ledger`;
const queueArns = (withMessages: boolean) =>
  Object.values(DEFAULT_QUEUE_NAMES).flatMap((q) => {
    const base = `acs:mns:${at.region}:${at.accountId}:/queues/${q}`;
    return withMessages ? [base, `${base}/messages`] : [base];
  });
const sorted = (a: string[]) => [...a].sort();

describe('RAM policies (deploy/ram)', () => {
  it.each(POLICY_FILES)('%s renders to a valid policy with no placeholder, wildcard action or Deny', (file) => {
    const doc = loadPolicy(file, at);
    expect(doc.Version).toBe('1');
    for (const s of doc.Statement) expect(s.Effect).toBe('Allow');
    for (const a of actionsOf(doc)) expect(a, file).toMatch(/^[a-z]+:[A-Z][A-Za-z]+$/);
    expect(JSON.stringify(doc)).not.toMatch(/<[A-Z_]+>/);
  });

  it('the trust policy lets only Function Compute assume the roles', () => {
    const doc = loadPolicy('trust-policy.json', at);
    expect(doc.Statement).toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: ['fc.aliyuncs.com'] } }]);
  });

  it('the webhook role enqueues and logs, nothing else (no SAG permission on the anonymous endpoint)', () => {
    const doc = loadPolicy('webhook-role-policy.json', at);
    expect(sorted(actionsOf(doc))).toEqual(['log:PostLogStoreLogs', 'mns:SendMessage']);
    expect(sorted(resourcesFor(doc, 'mns:SendMessage'))).toEqual(sorted(queueArns(true)));
  });

  it('the worker role: the three SAG client-user actions, SendMessage on the four queues, the ledger rows, logs', () => {
    const doc = loadPolicy('worker-role-policy.json', at);
    expect(resourcesFor(doc, 'ots:GetRow')).toEqual([LEDGER_TABLE_ARN]);
    expect(resourcesFor(doc, 'ots:PutRow')).toEqual([LEDGER_TABLE_ARN]);
    expect(sorted(actionsOf(doc))).toEqual([
      'log:PostLogStoreLogs',
      'mns:SendMessage',
      'ots:GetRow',
      'ots:PutRow',
      'smartag:CreateSmartAccessGatewayClientUser',
      'smartag:DeleteSmartAccessGatewayClientUser',
      'smartag:DescribeSmartAccessGatewayClientUsers',
      'smartag:DisableSmartAccessGatewayUser',
      'smartag:EnableSmartAccessGatewayUser',
      'smartag:KickOutClients',
      'smartag:RoamClientUser',
    ]);
    expect(sorted(resourcesFor(doc, 'mns:SendMessage'))).toEqual(sorted(queueArns(true)));
    // The same logstore for both roles.
    expect(resourcesFor(doc, 'log:PostLogStoreLogs')).toEqual(resourcesFor(loadPolicy('webhook-role-policy.json', at), 'log:PostLogStoreLogs'));
  });

  it('the reconcile role: Describe only on SAG, SendMessage on the join, transfer and leave queues, the ledger rows and range, logs', () => {
    const doc = loadPolicy('reconcile-role-policy.json', at);
    expect(sorted(actionsOf(doc))).toEqual([
      'log:PostLogStoreLogs',
      'mns:SendMessage',
      'ots:GetRange',
      'ots:GetRow',
      'ots:PutRow',
      'smartag:DescribeSmartAccessGatewayClientUsers',
    ]);
    for (const a of ['ots:GetRange', 'ots:GetRow', 'ots:PutRow']) expect(resourcesFor(doc, a), a).toEqual([LEDGER_TABLE_ARN]);
    const queues = [DEFAULT_QUEUE_NAMES.join, DEFAULT_QUEUE_NAMES.transfer, DEFAULT_QUEUE_NAMES.leave];
    expect(sorted(resourcesFor(doc, 'mns:SendMessage'))).toEqual(
      sorted(queues.flatMap((q) => [`acs:mns:${at.region}:${at.accountId}:/queues/${q}`, `acs:mns:${at.region}:${at.accountId}:/queues/${q}/messages`])),
    );
  });

  it('the deployer: FC scoped to the product’s functions, PassRole only on the two roles, queue management on the four queues', () => {
    const doc = loadPolicy('deployer-policy.json', at);
    for (const a of actionsOf(doc).filter((x) => x.startsWith('fc:') && x !== 'fc:GetTempBucketToken')) {
      for (const r of resourcesFor(doc, a)) expect(r, a).toMatch(new RegExp(`^acs:fc:${at.region}:${at.accountId}:functions/hr-sag-sync-\\*`));
    }
    expect(sorted(resourcesFor(doc, 'ram:PassRole'))).toEqual([
      `acs:ram::${at.accountId}:role/hr-sag-sync-reconcile`,
      `acs:ram::${at.accountId}:role/hr-sag-sync-webhook`,
      `acs:ram::${at.accountId}:role/hr-sag-sync-worker`,
    ]);
    for (const a of ['mns:CreateQueue', 'mns:GetQueueAttributes', 'mns:SetQueueAttributes'])
      expect(sorted(resourcesFor(doc, a)), a).toEqual(sorted(queueArns(false)));
    expect(actionsOf(doc).filter((a) => a.startsWith('smartag:'))).toEqual([]);
    expect(actionsOf(doc)).not.toContain('mns:SendMessage');
    // Logs: read only (smoke tests with `s logs`), on the product's logstore; no log write, no project creation.
    expect(actionsOf(doc).filter((a) => a.startsWith('log:'))).toEqual(['log:GetLogStoreLogs']);
    expect(resourcesFor(doc, 'log:GetLogStoreLogs')).toEqual(resourcesFor(loadPolicy('worker-role-policy.json', at), 'log:PostLogStoreLogs'));
  });

  describe('operator policies (hr-sag-sync)', () => {
    const dlqArns = [
      `acs:mns:${at.region}:${at.accountId}:/queues/${DEFAULT_QUEUE_NAMES.deadLetter}`,
      `acs:mns:${at.region}:${at.accountId}:/queues/${DEFAULT_QUEUE_NAMES.deadLetter}/messages`,
    ];
    const workArns = queueArns(true).filter((a) => !dlqArns.includes(a));
    const readonly = loadPolicy('operator-readonly-policy.json', at);
    const redrive = loadPolicy('operator-redrive-policy.json', at);
    const full = loadPolicy('operator-policy.json', at);
    const SAG_READS = ['smartag:DescribeSmartAccessGatewayClientUsers', 'smartag:DescribeSmartAccessGatewayAttribute'];

    it('read-only: queue attributes, peeks, SAG Describe, ledger reads, GetFunction; nothing that receives, deletes, sends or writes', () => {
      expect(sorted(actionsOf(readonly))).toEqual([
        'fc:GetFunction',
        'mns:BatchPeekMessage',
        'mns:GetQueueAttributes',
        'ots:DescribeTable',
        'ots:GetRange',
        'ots:GetRow',
        'smartag:DescribeSmartAccessGatewayAttribute',
        'smartag:DescribeSmartAccessGatewayClientUsers',
      ]);
      for (const a of ['ots:DescribeTable', 'ots:GetRow', 'ots:GetRange'])
        expect(sorted(resourcesFor(readonly, a)), a).toEqual(sorted([LEDGER_TABLE_ARN, LEDGER_TABLE_ARN.replace('/table/hr_sag_ledger', '')]));
      expect(resourcesFor(readonly, 'fc:GetFunction')).toEqual([`acs:fc:${at.region}:${at.accountId}:functions/hr-sag-sync-*`]);
      expect(sorted(resourcesFor(readonly, 'mns:GetQueueAttributes'))).toEqual(sorted(queueArns(false)));
      expect(sorted(resourcesFor(readonly, 'mns:BatchPeekMessage'))).toEqual(sorted(queueArns(true)));
    });

    it('redrive: read-only plus receive/release/delete on the dead-letter queue only and SendMessage on the work queues only', () => {
      const extra = actionsOf(redrive).filter((a) => !actionsOf(readonly).includes(a));
      expect(sorted(extra)).toEqual(['mns:BatchReceiveMessage', 'mns:ChangeMessageVisibility', 'mns:DeleteMessage', 'mns:SendMessage']);
      for (const a of ['mns:BatchReceiveMessage', 'mns:ChangeMessageVisibility', 'mns:DeleteMessage'])
        expect(sorted(resourcesFor(redrive, a)), a).toEqual(sorted(dlqArns));
      expect(sorted(resourcesFor(redrive, 'mns:SendMessage'))).toEqual(sorted(workArns));
      expect(actionsOf(redrive).filter((a) => a.startsWith('smartag:'))).toEqual(SAG_READS);
    });

    it('smoke: read-only plus the SAG writes of its probes and cleanup (Roam, Delete, Disable), nothing on the queues', () => {
      const smoke = loadPolicy('operator-smoke-policy.json', at);
      const extra = actionsOf(smoke).filter((a) => !actionsOf(readonly).includes(a));
      expect(sorted(extra)).toEqual(['smartag:DeleteSmartAccessGatewayClientUser', 'smartag:DisableSmartAccessGatewayUser', 'smartag:RoamClientUser']);
      expect(actionsOf(readonly).every((a) => actionsOf(smoke).includes(a))).toBe(true);
    });

    it('full operator policy: redrive plus what setup calls (create and set the queues, create the ledger table) and what reconcile writes (ledger rows: adoptions, held plans), no SAG write, no deletion', () => {
      const extra = actionsOf(full).filter((a) => !actionsOf(redrive).includes(a));
      expect(sorted(extra)).toEqual(['mns:CreateQueue', 'mns:SetQueueAttributes', 'ots:CreateTable', 'ots:PutRow']);
      expect(resourcesFor(full, 'ots:PutRow')).toEqual([LEDGER_TABLE_ARN]);
      for (const a of extra.filter((x) => x.startsWith('mns:'))) expect(sorted(resourcesFor(full, a)), a).toEqual(sorted(queueArns(false)));
      // Which resource level CreateTable is checked at is not documented: the instance and the table are both named.
      for (const a of ['ots:CreateTable'])
        expect(sorted(resourcesFor(full, a)), a).toEqual(sorted([LEDGER_TABLE_ARN, LEDGER_TABLE_ARN.replace('/table/hr_sag_ledger', '')]));
      expect(() => loadPolicy('worker-role-policy.json', { region: at.region, accountId: at.accountId })).toThrow(/--tablestore-instance/);
      expect(actionsOf(full)).not.toContain('mns:DeleteQueue');
      expect(actionsOf(full).filter((a) => a.startsWith('smartag:'))).toEqual(SAG_READS);
    });
  });

  it('render refuses bad input and leftover placeholders', () => {
    const text = readFileSync(join(RAM_DIR, 'worker-role-policy.json'), 'utf8');
    expect(() => renderPolicy(text, { region: 'Shanghai', accountId: '1' })).toThrow(/region/);
    expect(() => renderPolicy(text, { region: 'cn-shanghai', accountId: 'acme' })).toThrow(/account id/);
    expect(() => renderPolicy(text.replace('"1"', '"1", "X": "<OTHER>"'), at)).toThrow(/<OTHER>/);
  });
});
