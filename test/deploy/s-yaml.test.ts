/**
 * s.yaml, rendered offline once by `s preview` (fresh HOME, CI=true, dummy values for the account and the secrets)
 * and checked by deploy/check-s-yaml.ts, plus the key facts asserted directly so a reader sees them here.
 * The handler check needs dist/ (npm test builds first); run alone without a build, it is skipped with a note.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ENV_NEEDS,
  DEPLOYED_FUNCTIONS,
  PUSH_LIMIT_SECONDS,
  QUEUE_ENV,
  REPO_ROOT,
  RUNTIME,
  SECRET_ENV,
  S_YAML,
  checkRawYaml,
  checkRendered,
  ciDummyEnv,
  codeEnvVariables,
  formatProblem,
  parseDotEnv,
  renderSYaml,
} from '../../deploy/check-s-yaml.js';
import { loadPolicy, resourcesFor } from '../../deploy/ram/render.js';
import { QUEUE_ATTRIBUTES, queueSpecs } from '../../deploy/setup.js';
import { DEFAULT_QUEUE_NAMES } from '../../shared/config.js';

type Obj = Record<string, any>;
const env: Record<string, string | undefined> = { ...ciDummyEnv(), PATH: process.env.PATH };
let spec: Obj;
let renderMs = 0;

beforeAll(async () => {
  ({ spec, ms: renderMs } = await renderSYaml(S_YAML, env));
}, 60_000);

const resources = () => spec.resources as Record<string, { component: string; props: Obj }>;
const workers = Object.entries(DEPLOYED_FUNCTIONS).filter(([, f]) => f.queue);
const mnsTriggerIn = (s: Obj, name: string) => (s.resources[name]!.props.triggers as Obj[]).find((t) => t.triggerType === 'eventbridge') as Obj;
const mnsTrigger = (name: string) => mnsTriggerIn(spec, name);
const distBuilt = Object.keys(DEPLOYED_FUNCTIONS).every((f) => existsSync(join(REPO_ROOT, 'dist', f, 'index.js')));

describe('s.yaml rendered by s preview', () => {
  it('renders offline, without credentials, in about a second', () => {
    // Measured: 0.6–2.5 s on 2 shared cores with Node 20.20 (the s process itself: ~1.4–2.5 s cold, ~0.7 s warm); logged for the record.
    console.log(`s preview: ${renderMs} ms`);
    expect(Object.keys(resources()).sort()).toEqual(Object.keys(DEPLOYED_FUNCTIONS).sort());
    expect(renderMs).toBeLessThan(20_000);
  });

  it('passes every check of deploy/check-s-yaml.ts (rendered values)', () => {
    expect(checkRendered(spec, { env, bundles: 'skip' }).map(formatProblem)).toEqual([]);
  });

  it('passes the raw-text checks (secrets only from the environment, queue defaults)', () => {
    expect(checkRawYaml(readFileSync(S_YAML, 'utf8')).map(formatProblem)).toEqual([]);
  });

  it('each handler exists in its built bundle (dist/<name>/index.js exports handler)', (ctx) => {
    if (!distBuilt) ctx.skip('dist/ is missing: run npm run build (npm test builds before vitest)');
    const problems = checkRendered(spec, { env, bundles: 'require' }).filter((p) => p.key === 'props.handler');
    expect(problems.map(formatProblem)).toEqual([]);
  });

  it('every function runs on nodejs20 with handler index.handler from ./dist/<name>', () => {
    for (const [name, r] of Object.entries(resources())) {
      expect(r.component, name).toBe('fc3');
      expect(r.props.runtime, name).toBe(RUNTIME);
      expect(r.props.handler, name).toBe('index.handler');
      expect(r.props.code, name).toBe(`./dist/${name}`);
    }
  });

  it('the webhook has one anonymous HTTP trigger for POST and GET', () => {
    const triggers = resources().webhook?.props.triggers as Obj[];
    expect(triggers).toHaveLength(1);
    expect(triggers[0]).toMatchObject({ triggerType: 'http', triggerConfig: { authType: 'anonymous' } });
    expect([...triggers[0]!.triggerConfig.methods].sort()).toEqual(['GET', 'POST']);
  });

  it('the reconcile has one enabled timer trigger on RECONCILE_SCHEDULE (hourly by default), its own role, no queue trigger', () => {
    const r = resources().reconcile!;
    expect(r.props.triggers).toEqual([
      {
        triggerName: 'schedule',
        triggerType: 'timer',
        qualifier: 'LATEST',
        triggerConfig: { cronExpression: '0 0 * * * *', enable: true, payload: 'reconcile' },
      },
    ]);
    expect(r.props.environmentVariables.RECONCILE_SCHEDULE).toBe('0 0 * * * *');
    expect(r.props.role).toMatch(/role\/hr-sag-sync-reconcile$/);
    const broken = structuredClone(spec);
    broken.resources.reconcile.props.triggers[0].triggerConfig.cronExpression = '0 * * * *';
    broken.resources.reconcile.props.triggers[0].triggerConfig.enable = false;
    expect(checkRendered(broken, { env, bundles: 'skip' }).map(formatProblem)).toEqual([
      `reconcile: props.triggers[0].triggerConfig.cronExpression: must be FC's six-field cron (seconds first) or "@every 30m" (got 0 * * * *)`,
      'reconcile: props.triggers[0].triggerConfig.enable: must be true, or the schedule never runs (got false)',
    ]);
    broken.resources.reconcile.props.triggers[0].triggerConfig.cronExpression = '0 30 * * * *';
    broken.resources.reconcile.props.triggers[0].triggerConfig.enable = true;
    expect(checkRendered(broken, { env, bundles: 'skip' }).map(formatProblem)).toEqual([
      "reconcile: props.triggers[0].triggerConfig.cronExpression: must equal RECONCILE_SCHEDULE 0 0 * * * * (got 0 30 * * * *): render both from ${env('RECONCILE_SCHEDULE', …)}",
    ]);
  });

  it.each(workers)('%s: MNS trigger with PascalCase keys, event-streaming, ALL + dead-letter ARN, retry, batch window, timeout < 300 s', (name, f) => {
    const t = mnsTrigger(name);
    expect(t.triggerType).toBe('eventbridge');
    const tc = t.triggerConfig;
    expect(tc.eventSourceConfig.eventSourceType).toBe('MNS');
    const src = tc.eventSourceConfig.eventSourceParameters.sourceMNSParameters;
    expect(Object.keys(src).sort()).toEqual(['IsBase64Decode', 'QueueName', 'RegionId']);
    expect(src).toEqual({ RegionId: 'cn-shanghai', QueueName: DEFAULT_QUEUE_NAMES[f.queue!], IsBase64Decode: true });
    expect(JSON.stringify(tc)).not.toMatch(/"(queueName|regionId|isBase64Decode|arn|pushRetryStrategy|countBasedWindow|timeBasedWindow)"/);
    expect(tc.asyncInvocationType).toBe(false);
    expect(tc.runOptions).toMatchObject({
      mode: 'event-streaming',
      errorsTolerance: 'ALL',
      deadLetterQueue: { Arn: `acs:mns:cn-shanghai:${env.ALIBABA_CLOUD_ACCOUNT_ID}:/queues/${DEFAULT_QUEUE_NAMES.deadLetter}` },
      retryStrategy: { PushRetryStrategy: 'BACKOFF_RETRY' },
    });
    expect(tc.runOptions.batchWindow.CountBasedWindow).toBeGreaterThanOrEqual(1);
    expect(tc.runOptions.batchWindow.TimeBasedWindow).toBeGreaterThanOrEqual(0);
    const props = resources()[name]!.props;
    expect(props.timeout).toBeLessThan(PUSH_LIMIT_SECONDS);
    expect(props.concurrencyConfig.reservedConcurrency).toBeGreaterThanOrEqual(1);
  });

  it('a dead-letter ARN naming another queue is named, with the one expected', () => {
    const broken = structuredClone(spec);
    mnsTriggerIn(broken, 'transfer-worker').triggerConfig.runOptions.deadLetterQueue.Arn =
      `acs:mns:cn-shanghai:${env.ALIBABA_CLOUD_ACCOUNT_ID}:/queues/hr-join`;
    expect(checkRendered(broken, { env, bundles: 'skip' }).map(formatProblem)).toEqual([
      `transfer-worker: props.triggers[0].triggerConfig.runOptions.deadLetterQueue.Arn: must be acs:mns:cn-shanghai:${env.ALIBABA_CLOUD_ACCOUNT_ID}:/queues/hr-dead-letter, the dead-letter queue the code uses (got acs:mns:cn-shanghai:${env.ALIBABA_CLOUD_ACCOUNT_ID}:/queues/hr-join)`,
    ]);
  });

  it('every variable the code reads reaches each function that needs it, and nothing else is passed', () => {
    const code = codeEnvVariables();
    // The list comes from shared/config.ts's table and env.X in shared/ and functions/; a few it must contain:
    for (const v of ['SAG_TIMEOUT_MS', 'RETRY_DELAY_SCALE', 'HR_API_TIMEOUT_MS', 'SITES_JSON', 'SITES_FILE', 'LOG_LEVEL']) expect(code.has(v), v).toBe(true);
    expect([...code.keys()].filter((v) => /^(FC_|ALIBABA_CLOUD_)/.test(v))).toEqual([]);
    expect(Object.keys(ENV_NEEDS).sort()).toEqual([...code.keys()].sort());
    for (const [name, r] of Object.entries(resources())) {
      const passed = Object.keys(r.props.environmentVariables).sort();
      const needed = [...code.keys()].filter((v) => ENV_NEEDS[v]?.includes(name)).sort();
      expect(passed, name).toEqual(needed);
    }
  });

  it('a variable the code starts reading is reported until ENV_NEEDS and s.yaml pass it', () => {
    const code = new Map([...codeEnvVariables(), ['NEW_KNOB', 'shared/new.ts']]);
    expect(checkRendered(spec, { env, bundles: 'skip', codeEnv: code }).map(formatProblem)).toEqual([
      's.yaml: NEW_KNOB: the code reads NEW_KNOB (shared/new.ts) but ENV_NEEDS in deploy/function-env.ts does not say which functions need it: add it there and pass it in s.yaml',
    ]);
    const broken = structuredClone(spec);
    delete broken.resources['enrich-worker'].props.environmentVariables.HR_API_TIMEOUT_MS;
    expect(checkRendered(broken, { env, bundles: 'skip' }).map(formatProblem)).toEqual([
      "enrich-worker: props.environmentVariables.HR_API_TIMEOUT_MS: missing: the code reads HR_API_TIMEOUT_MS (shared/config.ts table) and enrich-worker needs it; pass HR_API_TIMEOUT_MS: ${env('HR_API_TIMEOUT_MS', …)}",
    ]);
  });

  it('queue names in s.yaml equal the code’s defaults and deploy/setup.ts provisions exactly those', () => {
    for (const [name, r] of Object.entries(resources())) {
      for (const [role, variable] of Object.entries(QUEUE_ENV)) {
        expect(r.props.environmentVariables[variable], `${name} ${variable}`).toBe(DEFAULT_QUEUE_NAMES[role as keyof typeof DEFAULT_QUEUE_NAMES]);
      }
    }
    expect(
      queueSpecs(DEFAULT_QUEUE_NAMES)
        .map((q) => q.name)
        .sort(),
    ).toEqual(Object.values(DEFAULT_QUEUE_NAMES).sort());
    // Dead letters are kept longest.
    for (const role of ['join', 'transfer', 'enrich'] as const) {
      expect(QUEUE_ATTRIBUTES.deadLetter.MessageRetentionPeriod).toBeGreaterThan(QUEUE_ATTRIBUTES[role].MessageRetentionPeriod);
    }
  });

  it('no secret is written in s.yaml: each renders to what the environment holds, and the text only reads ${env()}', () => {
    const text = readFileSync(S_YAML, 'utf8');
    for (const secret of SECRET_ENV) {
      const lines = text.split('\n').filter((l) => new RegExp(`^\\s*${secret}\\s*:`).test(l));
      expect(lines.length, secret).toBeGreaterThan(0);
      for (const l of lines) expect(l.trim(), secret).toBe(`${secret}: \${env('${secret}', '')}`);
    }
    let seen = 0;
    for (const r of Object.values(resources())) {
      for (const secret of SECRET_ENV) {
        if (secret in r.props.environmentVariables) {
          seen++;
          expect(r.props.environmentVariables[secret]).toBe(env[secret]);
        }
      }
    }
    expect(seen).toBeGreaterThan(SECRET_ENV.length);
    // join/transfer never see an HR secret.
    for (const name of ['join-worker', 'transfer-worker']) {
      expect(Object.keys(resources()[name]!.props.environmentVariables).filter((k) => (SECRET_ENV as readonly string[]).includes(k))).toEqual([]);
    }
  });

  it('the RAM policies name what s.yaml deploys: roles, functions, log project and logstore', () => {
    const at = { region: 'cn-shanghai', accountId: env.ALIBABA_CLOUD_ACCOUNT_ID as string, tablestoreInstance: 'hr-sag-sync' };
    const r = resources();
    const deployer = loadPolicy('deployer-policy.json', at);
    const roles = new Set(Object.values(r).map((x) => x.props.role as string));
    expect([...roles].sort()).toEqual([...resourcesFor(deployer, 'ram:PassRole')].sort());
    const fnPattern = new RegExp(`^${resourcesFor(deployer, 'fc:UpdateFunction')[0]!.replace(/[.]/g, '\\.').replace('*', '.*')}$`);
    for (const x of Object.values(r)) expect(`acs:fc:${at.region}:${at.accountId}:functions/${x.props.functionName}`).toMatch(fnPattern);
    const log = r['join-worker']!.props.logConfig;
    const logArn = `acs:log:${at.region}:${at.accountId}:project/${log.project}/logstore/${log.logstore}`;
    for (const file of ['webhook-role-policy.json', 'worker-role-policy.json'])
      expect(resourcesFor(loadPolicy(file, at), 'log:PostLogStoreLogs')).toEqual([logArn]);
    // The webhook's role has no SAG permission; the workers' role has it.
    expect(r.webhook!.props.role).toMatch(/role\/hr-sag-sync-webhook$/);
    for (const [name] of workers) expect(r[name]!.props.role).toMatch(/role\/hr-sag-sync-worker$/);
  });
});

describe('deploy:check reads a .env beside s.yaml, as s does', () => {
  it('parses KEY=VALUE, export, quotes and comments', () => {
    expect(parseDotEnv('# comment\nA=1\nexport B="x y"\nC=\'q\'  \nD=v # note\n\nnot a line\n')).toEqual({ A: '1', B: 'x y', C: 'q', D: 'v' });
  });
});
