/**
 * `npm run sign -- [--url URL] [--secret whsec_…] [--type join|transfer] [--employee E1001] [--email a@b.c]
 *                  [--office Shanghai] [--from Shanghai] [--to Hangzhou]`
 * Prints a curl command carrying a freshly signed generic (Standard Webhooks) request: for the local stack by
 * default, or for a deployed webhook (pass its URL and the HR_WEBHOOK_SECRET you deployed) as a smoke test.
 */
import { parseArgs } from 'node:util';
import { sampleJoin, sampleTransfer, signedGenericRequest, toCurl } from '../local/sample.js';
import { LOCAL_WEBHOOK_SECRET } from '../local/stack.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8080/webhooks/generic' },
    secret: { type: 'string', default: process.env.HR_WEBHOOK_SECRET?.split(/\s+/)[0] ?? LOCAL_WEBHOOK_SECRET },
    type: { type: 'string', default: 'join' },
    employee: { type: 'string', default: 'E1001' },
    email: { type: 'string', default: 'ann.lee@example.com' },
    office: { type: 'string', default: 'Shanghai' },
    from: { type: 'string', default: 'Shanghai' },
    to: { type: 'string', default: 'Hangzhou' },
  },
});
const payload = values.type === 'transfer' ? sampleTransfer(values.employee, values.email, values.from, values.to) : sampleJoin(values.employee, values.email, values.office);
console.log(toCurl(signedGenericRequest(values.url as string, values.secret as string, payload)));
