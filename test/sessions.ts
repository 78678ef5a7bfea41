import { createSession, sessionCookieBase } from '../src/identity/sessions.ts';
import type { StaffRole } from '../src/identity/tables.ts';
import { TestClient } from './client.ts';
import type { TestStore } from './harness.ts';

let seq = 0;

/** A browser-like client signed in as a new staff member of the given role (session created directly). */
export async function staffClient(store: TestStore, role: StaffRole = 'owner'): Promise<{ client: TestClient; staffId: number }> {
  const { db } = store.ctx;
  seq += 1;
  const staff = await db
    .insertInto('staff')
    .values({ email: `staff${seq}-${Date.now()}@example.jp`, name: `スタッフ${seq}`, password_hash: 'not-a-hash:test-only', role })
    .returning('id')
    .executeTakeFirstOrThrow();
  const token = await createSession(db, 'admin', { staffId: staff.id });
  const client = new TestClient(store.url);
  client.setCookie(store.services.cookies.name(sessionCookieBase.admin), token);
  return { client, staffId: staff.id };
}

/** A browser-like client signed in as a new customer (session created directly). */
export async function customerClient(store: TestStore, fields: { email?: string; name?: string } = {}): Promise<{ client: TestClient; customerId: number }> {
  const { db } = store.ctx;
  seq += 1;
  const customer = await db
    .insertInto('customer')
    .values({ email: fields.email ?? `customer${seq}-${Date.now()}@example.jp`, name: fields.name ?? `山田 太郎${seq}`, password_hash: 'not-a-hash:test-only' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const token = await createSession(db, 'store', { customerId: customer.id });
  const client = new TestClient(store.url);
  client.setCookie(store.services.cookies.name(sessionCookieBase.store), token);
  return { client, customerId: customer.id };
}
