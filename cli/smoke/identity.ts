/**
 * The synthetic employee of `smoke`: named so that it can never be a real one.
 * - id `hr-sag-sync-smoke-<8 hex>`: no HR system issues ids of this shape;
 * - email `smoke-<8 hex>@example.invalid`: `.invalid` is reserved and never resolves (RFC 2606, RFC 6761), so the
 *   credentials SAG mails on create go nowhere. SAG documents UserMail as 2–64 characters containing `@`
 *   (https://www.alibabacloud.com/help/en/sag/developer-reference/api-smartag-2018-03-13-createsmartaccessgatewayclientuser),
 *   and under the `email` user-name policy the email is the user name, which must be 7–33 characters of
 *   `[A-Za-z0-9_@.-]`: this one has 30. `--email-domain` replaces the domain should a service refuse it.
 */
import { randomBytes } from 'node:crypto';
import { userNameFor, type SiteEntry } from '../../shared/index.js';

export const SMOKE_ID_PREFIX = 'hr-sag-sync-smoke-';
export const SMOKE_EMAIL_DOMAIN = 'example.invalid';

export interface SyntheticEmployee {
  id: string;
  email: string;
  name: string;
}

/** A fresh synthetic employee; `tag` (8 hex digits) is random unless given. */
export function syntheticEmployee(domain = SMOKE_EMAIL_DOMAIN, tag = randomBytes(4).toString('hex')): SyntheticEmployee {
  return { id: `${SMOKE_ID_PREFIX}${tag}`, email: `smoke-${tag}@${domain}`, name: `hr-sag-sync smoke ${tag}` };
}

/** The employee's SAG user name on a site (the site's user-name policy, as the workers apply it). */
export const userNameOn = (site: SiteEntry, e: SyntheticEmployee): string => userNameFor(site.userNamePolicy, e);
