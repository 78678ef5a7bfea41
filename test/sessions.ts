import { createSession, sessionCookieBase } from '../src/identity/sessions/sessions.ts';
import { insertCustomerRecord } from '../src/identity/customers/customer-data.ts';
import { hashPassword } from '../src/identity/passwords.ts';
import type { StaffRole } from '../src/identity/tables.ts';
import { newTotpSecret, totpCodeForStep, totpStepAt } from '../src/identity/two-factor/totp.ts';
import { secretField, staffSubject } from '../src/identity/two-factor/totp-store.ts';
import type { Db } from '../src/platform/db/database.ts';
import { TestClient, type TestResponse } from './client.ts';
import type { TestStore } from './harness.ts';

let seq = 0;

/**
 * A browser-like client signed in as a new staff member of the given role (session created
 * directly). The member has TOTP enrolled and the session is 2FA-complete; by default it has also
 * just stepped up (so tests of other features can post sensitive forms): pass `stepUp: false` to
 * test step-up itself. `password` sets a real password (for step-up tests).
 */
export async function staffClient(
  store: TestStore,
  role: StaffRole = 'owner',
  opts: { stepUp?: boolean; password?: string } = {},
): Promise<{ client: TestClient; staffId: number; email: string; totpSecret: string; token: string }> {
  const { db } = store.ctx;
  seq += 1;
  const email = `staff${seq}-${Date.now()}@example.jp`;
  const totpSecret = newTotpSecret();
  const staff = await db
    .insertInto('staff')
    .values({
      email,
      name: `スタッフ${seq}`,
      password_hash: opts.password ? await hashPassword(opts.password) : 'not-a-hash:test-only',
      role,
      totp_enabled_at: new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  // Stored as the store stores it: a vault ciphertext bound to this row.
  const ciphertext = await store.ctx.vault.encrypt(secretField(staffSubject(staff.id)), totpSecret);
  await db.updateTable('staff').set({ totp_secret: ciphertext }).where('id', '=', staff.id).execute();
  const now = new Date();
  const token = await createSession(db, 'admin', { staffId: staff.id }, {}, { secondFactorAt: now, stepUpAt: opts.stepUp === false ? null : now });
  const client = new TestClient(store.url);
  client.setCookie(store.services.cookies.name(sessionCookieBase.admin), token);
  return { client, staffId: staff.id, email, totpSecret, token };
}

/**
 * A TOTP code the server will accept now for this staff member: the current step, or the next
 * one within the allowed drift when the current one is used. When all are spent (several sign-ins within one 30 s
 * step), the recorded last step is moved back, as if time had passed.
 */
export async function freshTotpCode(db: Db, staffId: number, secret: string): Promise<string> {
  const current = totpStepAt(Date.now());
  const row = await db.selectFrom('staff').select('totp_last_step').where('id', '=', staffId).executeTakeFirstOrThrow();
  const last = row.totp_last_step;
  // The current step first: a code of the step before expires at the next step boundary, which a slow test may cross
  // between taking the code and sending it.
  for (const step of [current, current + 1]) if (last === null || step > last) return totpCodeForStep(secret, step);
  await db.updateTable('staff').set({ totp_last_step: current - 1 }).where('id', '=', staffId).execute();
  return totpCodeForStep(secret, current);
}

/** The TOTP secret shown on the enrolment page. */
export function secretFromEnrolmentPage(page: TestResponse): string {
  const m = /data-secret="([A-Z2-7]+)"/.exec(page.text);
  if (!m) throw new Error('no TOTP secret on the page');
  return m[1]!;
}

/**
 * Signs a client in through the real forms: password, then TOTP (enrolling first when needed).
 * Returns the last response (the redirect after the second factor, or the recovery-code page)
 * and the TOTP secret (read from the enrolment page, or `secret` when already enrolled).
 */
export async function signInStaff(
  store: TestStore,
  client: TestClient,
  email: string,
  password: string,
  opts: { secret?: string; next?: string } = {},
): Promise<{ response: TestResponse; secret: string; recoveryCodes: string[] }> {
  const { db } = store.ctx;
  const first = await client.postForm('/admin/sign-in', { email, password, ...(opts.next ? { next: opts.next } : {}) });
  if (first.status !== 303) throw new Error(`password step failed: ${first.status}`);
  const staff = await db.selectFrom('staff').select(['id', 'totp_enabled_at']).where('email', '=', email.toLowerCase()).executeTakeFirstOrThrow();
  const step = first.location!;
  if (step.startsWith('/admin/2fa/setup')) {
    const page = await client.get(step);
    const secret = secretFromEnrolmentPage(page);
    const next = page.inputValue('next') ?? '/admin';
    const response = await client.postForm('/admin/2fa/setup', { code: await freshTotpCode(db, staff.id, secret), next });
    if (response.status !== 200) throw new Error(`enrolment failed: ${response.status}`);
    const recoveryCodes = [...response.text.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]!);
    return { response, secret, recoveryCodes };
  }
  if (!opts.secret) throw new Error('this staff member is enrolled: pass their TOTP secret');
  const page = await client.get(step);
  const next = page.inputValue('next') ?? '/admin';
  const response = await client.postForm('/admin/2fa', { code: await freshTotpCode(db, staff.id, opts.secret), next });
  return { response, secret: opts.secret, recoveryCodes: [] };
}

/** A browser-like client signed in as a new customer (session created directly). */
export async function customerClient(store: TestStore, fields: { email?: string; name?: string } = {}): Promise<{ client: TestClient; customerId: number }> {
  const { db } = store.ctx;
  seq += 1;
  // Stored as the store stores customers: encrypted columns and blind indexes.
  const customerId = await insertCustomerRecord(store.ctx, { email: fields.email ?? `customer${seq}-${Date.now()}@example.jp`, name: fields.name ?? `山田 太郎${seq}`, password_hash: 'not-a-hash:test-only' });
  const token = await createSession(db, 'store', { customerId });
  const client = new TestClient(store.url);
  client.setCookie(store.services.cookies.name(sessionCookieBase.store), token);
  return { client, customerId };
}
