import { describe, expect, it } from 'vitest';
import { classifySagError } from '../../shared/sag/errors.js';

const popError = (code: string, status: number) => Object.assign(new Error(`${code} msg`), { name: `${code}Error`, code, data: { Code: code, Message: 'm', RequestId: 'RID' }, entry: { response: { statusCode: status } } });

describe('classifySagError', () => {
  it('treats throttling and ServiceUnavailable as transient', () => {
    for (const [code, status] of [['Throttling.User', 429], ['Throttling.User', 400], ['Throttling', 400], ['Throttling.Api', 429], ['ServiceUnavailable', 503]] as const) {
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
});
