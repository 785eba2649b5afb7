import { describe, expect, it } from 'vitest';
import { classifySagError, systemicFix } from '../../shared/sag/errors.js';

const popError = (code: string, status: number) =>
  Object.assign(new Error(`${code} msg`), {
    name: `${code}Error`,
    code,
    data: { Code: code, Message: 'm', RequestId: 'RID' },
    entry: { response: { statusCode: status } },
  });

describe('classifySagError', () => {
  it('treats throttling and ServiceUnavailable as transient', () => {
    for (const [code, status] of [
      ['Throttling.User', 429],
      ['Throttling.User', 400],
      ['Throttling', 400],
      ['Throttling.Api', 429],
      ['ServiceUnavailable', 503],
    ] as const) {
      const e = classifySagError(popError(code, status));
      expect(e.kind, code).toBe('transient');
      expect(e.requestId).toBe('RID');
    }
    expect(classifySagError(popError('Throttling.User', 429)).reason).toBe('sag.throttled');
  });

  it('treats InternalError, other 5xx, timeouts, resets and non-JSON bodies as unknown outcomes', () => {
    expect(classifySagError(popError('InternalError', 500)).kind).toBe('unknown');
    expect(classifySagError(popError('Whatever', 502)).kind).toBe('unknown');
    expect(classifySagError(Object.assign(new Error('ReadTimeout(3000)'), { name: 'RequestTimeoutError' })).reason).toBe('sag.timeout');
    expect(classifySagError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).kind).toBe('unknown');
    const syntax = { name: 'SyntaxError', message: "Unexpected '<'", at: 0, text: '<html>' };
    expect(classifySagError(syntax)).toMatchObject({ kind: 'unknown', sagCode: 'NonJsonResponse' });
  });

  it('treats connection refused as transient (nothing was sent)', () => {
    expect(classifySagError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).kind).toBe('transient');
  });

  it('treats documented 4xx codes as permanent with reason sag.<Code>', () => {
    for (const code of ['ClientUser.UserOverLimit', 'SAG.InstanceNoFound', 'ClientUser.NameInvalid', 'SAG.CidrEmpty', 'ClientUser.BandwidthInvalid']) {
      const e = classifySagError(popError(code, 400));
      expect(e.kind).toBe('permanent');
      expect(e.reason).toBe(`sag.${code}`);
    }
  });

  it('treats authentication and authorization codes as systemic for the whole account (expired STS tokens stay transient)', () => {
    for (const [code, status] of [
      ['InvalidAccessKeyId.NotFound', 404],
      ['InvalidAccessKeyId.Inactive', 400],
      ['SignatureDoesNotMatch', 400],
      ['Forbidden.RAM', 403],
      ['Forbidden', 403],
      ['NoPermission', 403],
      ['InvalidSecurityToken.MismatchWithAccessKey', 400],
    ] as const) {
      const e = classifySagError(popError(code, status));
      expect(e.kind, code).toBe('systemic');
      expect(e.systemicScope, code).toBe('account');
      expect(systemicFix(code), code).not.toBe('see the cause');
    }
    expect(classifySagError(popError('InvalidSecurityToken.Expired', 400)).kind).toBe('transient');
  });

  it('treats SAG.InstanceNoFound as systemic for the instance only when the call named an instance of the directory', () => {
    expect(classifySagError(popError('SAG.InstanceNoFound', 400), { namesKnownInstance: true })).toMatchObject({ kind: 'systemic', systemicScope: 'instance' });
    expect(classifySagError(popError('SAG.InstanceNoFound', 400)).kind).toBe('permanent');
  });

  it('marks throttling (a Throttling* code or HTTP 429) and reads x-acs-retry-after as milliseconds (the unit of the official SDK core) when present, bounded to a minute', () => {
    const withHeader = Object.assign(popError('Throttling.User', 429), { entry: { response: { statusCode: 429, headers: { 'x-acs-retry-after': '1500' } } } });
    expect(classifySagError(withHeader)).toMatchObject({ throttled: true, retryAfterMs: 1500 });
    const huge = Object.assign(popError('Throttling.User', 429), { entry: { response: { statusCode: 429, headers: { 'x-acs-retry-after': '3600000' } } } });
    expect(classifySagError(huge).retryAfterMs).toBe(60_000);
    expect(classifySagError(popError('Throttling.Api', 400)).throttled).toBe(true);
    expect(classifySagError(popError('Throttling.Api', 400)).retryAfterMs).toBeUndefined();
    expect(classifySagError(popError('TooManyRequests', 429))).toMatchObject({ throttled: true, reason: 'sag.throttled' });
    expect(classifySagError(popError('ServiceUnavailable', 503)).throttled).toBe(false);
  });
});
