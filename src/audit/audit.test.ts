import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import Fastify from 'fastify';
import { sql } from 'kysely';
import { after, before, test } from 'node:test';
import { createTestDatabase, startTestStore, testDbKind, type TestStore } from '../../test/harness.ts';
import { staffClient } from '../../test/sessions.ts';
import { openDatabase, type Db } from '../platform/db/database.ts';
import { appendAudit, canonicalJson, entryHash, genesisHash, toRecord, type AuditInput, type AuditRecord } from './chain.ts';
import { runAudit } from './cli.ts';
import { auditKeyPaths, keyId, signCheckpoint } from './keys.ts';
import { auditAdminRequests, recordPersonalDataView, recordStaffAction, recordStaffSignIn } from './record.ts';
import { auditDir, jsonlFiles, readJsonl } from './sink.ts';
import { verifyAudit, type AuditVerifyResult } from './verify.ts';

let store: TestStore;
let db: Db;

before(async () => {
  store = await startTestStore();
  db = store.ctx.db;
});
after(() => store.close());

const sample = (i: number): AuditInput => ({
  actor: { type: 'staff', id: 1000 + (i % 3), role: 'owner' },
  action: i % 2 ? 'settings.change' : 'admin.request',
  object: { type: 'orders', id: i },
  result: 'success',
  ip: '192.0.2.10',
  userAgent: 'Mozilla/5.0 (test)',
  detail: { method: 'POST', route: '/admin/orders/:id', n: i },
});

async function appendMany(n: number) {
  for (let i = 0; i < n; i++) await appendAudit(db, sample(i));
}

const verify = (opts: { jsonl?: boolean } = {}) => verifyAudit(db, store.ctx.config, opts);

async function rows(): Promise<AuditRecord[]> {
  return (await db.selectFrom('audit_entry').selectAll().orderBy('seq').execute()).map((r) => toRecord(r as unknown as Record<string, unknown>));
}

/** As a DBA would: the append-only triggers off, the change, the triggers on again. */
async function asDba(script: string) {
  await store.ctx.database.exec(`alter table audit_entry disable trigger user; alter table audit_checkpoint disable trigger user; ${script}; alter table audit_entry enable trigger user; alter table audit_checkpoint enable trigger user;`);
}

/** Runs a tampering case against a snapshot of both tables, restored afterwards. */
async function tampered(script: string | (() => Promise<void>), check: (r: AuditVerifyResult) => void | Promise<void>) {
  const entries = await rows();
  const cps = await db.selectFrom('audit_checkpoint').selectAll().orderBy('id').execute();
  try {
    if (typeof script === 'string') await asDba(script);
    else await script();
    await check(await verify());
  } finally {
    await asDba('delete from audit_entry; delete from audit_checkpoint');
    for (const e of entries) await db.insertInto('audit_entry').values(e).execute();
    for (const c of cps) await sql`insert into audit_checkpoint (id, seq, hash, at, key_id, signature) values (${Number(c.id)}, ${Number(c.seq)}, ${c.hash}, ${c.at}, ${c.key_id}, ${c.signature})`.execute(db);
    assert.equal((await verify()).ok, true, 'restored');
  }
}

function kinds(r: AuditVerifyResult): string[] {
  return [...new Set(r.findings.map((f) => f.kind))].sort();
}

test('canonical serialization is stable: key order, no whitespace, exact detail text', () => {
  assert.equal(canonicalJson({ b: 1, a: [true, null, 'x'], c: { z: 1, y: 'ü' } }), '{"a":[true,null,"x"],"b":1,"c":{"y":"ü","z":1}}');
  assert.throws(() => canonicalJson({ a: Number.NaN }));
  assert.throws(() => canonicalJson({ a: undefined }));
  const base = { seq: 1, at: new Date('2026-01-02T03:04:05.678Z'), actor_type: 'system' as const, actor_id: null, actor_role: null, action: 'settings.change', object_type: null, object_id: null, result: 'success' as const, ip: null, user_agent: null, detail: '{}', prev_hash: genesisHash };
  const h = entryHash(base);
  assert.match(h, /^[0-9a-f]{64}$/);
  assert.equal(entryHash({ ...base }), h, 'deterministic');
  assert.notEqual(entryHash({ ...base, seq: 2 }), h, 'seq is hashed');
  assert.notEqual(entryHash({ ...base, prev_hash: 'f'.repeat(64) }), h, 'previous hash is hashed');
  assert.notEqual(entryHash({ ...base, detail: '{"a":1}' }), h, 'detail is hashed');
});

test('entries form one hash chain; the trail verifies clean', async () => {
  const start = (await rows()).length;
  await appendMany(12);
  const all = await rows();
  assert.equal(all.length, start + 12);
  all.forEach((r, i) => {
    assert.equal(r.seq, i + 1);
    assert.equal(r.prev_hash, i === 0 ? genesisHash : all[i - 1]!.hash);
    assert.equal(r.hash, entryHash(r));
  });
  const r = await verify();
  assert.deepEqual(r.findings, []);
  assert.equal(r.ok, true);
  assert.equal(r.tailSeq, start + 12);
});

test('an entry appended inside a transaction that rolls back leaves no trace', async () => {
  const before = (await rows()).length;
  await assert.rejects(
    db.transaction().execute(async (trx) => {
      await appendAudit(trx, sample(1));
      throw new Error('the change failed');
    }),
    /the change failed/,
  );
  assert.equal((await rows()).length, before);
  assert.equal((await verify()).ok, true);
});

test('concurrent appends from two connection pools (two instances) keep one chain', async () => {
  // PostgreSQL: a second pool of its own, as another app instance would have. PGlite: one process, one handle.
  const other = testDbKind === 'postgres' ? await openDatabase({ databaseUrl: store.ctx.config.databaseUrl, dataDir: store.dataDir, databasePoolSize: 5 }) : null;
  const db2 = other?.db ?? db;
  try {
    const start = (await rows()).length;
    const work = (handle: Db, who: number) =>
      Array.from({ length: 20 }, (_, i) =>
        handle.transaction().execute(async (trx) => {
          await sql`select pg_sleep(0.001)`.execute(trx);
          return appendAudit(trx, { ...sample(i), actor: { type: 'staff', id: who, role: 'owner' } });
        }),
      );
    const done = await Promise.all([...work(db, 1), ...work(db2, 2)]);
    assert.equal(new Set(done.map((d) => d.seq)).size, 40, 'no two appends got the same sequence number');
    const all = await rows();
    assert.equal(all.length, start + 40);
    const r = await verify();
    assert.deepEqual(r.findings, []);
  } finally {
    await other?.close();
  }
});

test('the database refuses UPDATE, DELETE and TRUNCATE on the audit tables (trigger)', async () => {
  await assert.rejects(sql`update audit_entry set detail = '{}' where seq = 1`.execute(db), /append-only/);
  await assert.rejects(sql`delete from audit_entry where seq = 1`.execute(db), /append-only/);
  await assert.rejects(sql`truncate audit_entry`.execute(db), /append-only/);
  await store.services.audit.checkpoint({ force: true });
  await assert.rejects(sql`delete from audit_checkpoint`.execute(db), /append-only/);
  await assert.rejects(sql`update audit_checkpoint set seq = 0`.execute(db), /append-only/);
  // The maintenance setting (retention/restore tooling only) lets a change through; here a no-op.
  await db.transaction().execute(async (trx) => {
    await sql`set local omamori.audit_maintenance = 'on'`.execute(trx);
    await sql`update audit_entry set detail = detail where seq = 1`.execute(trx);
  });
  assert.equal((await verify()).ok, true);
});

test('a checkpoint is signed with an Ed25519 key kept in DATA_DIR/keys (0600), in the database and the JSON-lines files', async () => {
  const cp = await store.services.audit.checkpoint({ force: true });
  assert.ok(cp);
  const tail = (await rows()).at(-1)!;
  assert.equal(cp.seq, tail.seq);
  assert.equal(cp.hash, tail.hash);
  const { privateKeyPath, publicKeyPath } = auditKeyPaths(store.ctx.config);
  assert.equal(statSync(privateKeyPath).mode & 0o777, 0o600);
  assert.ok(existsSync(publicKeyPath));
  assert.equal(await store.services.audit.checkpoint(), null, 'nothing new: no checkpoint');
  await store.services.audit.settled();
  const lines = [...readJsonl(auditDir(store.dataDir))].map((l) => l.value!);
  assert.ok(lines.some((l) => l.type === 'checkpoint' && l.seq === cp.seq && l.signature === cp.signature));
  const r = await verify();
  assert.equal(r.ok, true);
  assert.equal(r.lastCheckpointSeq, cp.seq);
});

test('the JSON-lines sink receives every committed entry, in order, with hashes; verify --jsonl agrees', async () => {
  const appended = await store.services.audit.record({ actor: { type: 'system' }, action: 'settings.change', result: 'success', detail: { fields: ['name'] } });
  await store.services.audit.settled();
  const files = jsonlFiles(auditDir(store.dataDir));
  assert.ok(files.length >= 1);
  assert.match(files.at(-1)!, /audit-\d{4}-\d{2}-\d{2}\.jsonl$/);
  const entries = [...readJsonl(auditDir(store.dataDir))].map((l) => l.value!).filter((l) => l.type === 'entry');
  const all = await rows();
  assert.deepEqual(entries.map((e) => e.seq), all.map((r) => r.seq));
  const last = entries.at(-1)!;
  assert.equal(last.type === 'entry' && last.hash, appended.hash);
  assert.equal(last.type === 'entry' && last.prev_hash, appended.prev_hash);
  const r = await verify({ jsonl: true });
  assert.deepEqual(r.findings, []);
});

test('tampering: an edited detail is found at its sequence number', async () => {
  await tampered(`update audit_entry set detail = '{"method":"GET"}' where seq = 5`, (r) => {
    assert.equal(r.ok, false);
    assert.deepEqual(kinds(r), ['hash_mismatch']);
    assert.equal(r.firstBrokenSeq, 5);
  });
});

test('tampering: a deleted middle entry is found', async () => {
  await tampered(`delete from audit_entry where seq = 7`, (r) => {
    assert.equal(r.ok, false);
    assert.ok(kinds(r).includes('gap'));
    assert.ok(kinds(r).includes('broken_link'));
    assert.equal(r.firstBrokenSeq, 7);
  });
});

test('tampering: two entries swapped in order are found', async () => {
  await tampered(`update audit_entry set seq = 999999 where seq = 3; update audit_entry set seq = 3 where seq = 4; update audit_entry set seq = 4 where seq = 999999`, (r) => {
    assert.equal(r.ok, false);
    assert.ok(kinds(r).includes('hash_mismatch'));
    assert.equal(r.firstBrokenSeq, 3);
  });
});

test('tampering: the tail truncated after a checkpoint is found', async () => {
  const cp = await store.services.audit.checkpoint({ force: true });
  await tampered(`delete from audit_entry where seq > ${cp!.seq - 3}`, (r) => {
    assert.equal(r.ok, false);
    assert.ok(kinds(r).includes('truncated'));
    assert.equal(r.tailSeq, cp!.seq - 3);
    assert.ok(r.findings.some((f) => f.kind === 'truncated' && /truncated/.test(f.message)));
  });
});

test('tampering: a rewritten chain with recomputed hashes is caught by the signed checkpoint', async () => {
  await tampered(
    async () => {
      const all = await rows();
      let prev = genesisHash;
      const rewritten = all.map((r) => {
        const changed = { ...r, prev_hash: prev, detail: r.seq === 2 ? '{"route":"/admin/nothing"}' : r.detail };
        const hash = entryHash(changed);
        prev = hash;
        return { ...changed, hash };
      });
      await asDba('delete from audit_entry');
      for (const e of rewritten) await db.insertInto('audit_entry').values(e).execute();
    },
    (r) => {
      assert.equal(r.ok, false);
      assert.deepEqual(kinds(r), ['checkpoint_mismatch'], 'the chain itself is consistent: only the signatures give it away');
    },
  );
});

test('tampering: a checkpoint with a forged signature is found', async () => {
  const tail = (await rows()).at(-1)!;
  const intruder = generateKeyPairSync('ed25519');
  await tampered(
    async () => {
      // Signed with a key that is not the shop's, but claiming the shop's key id; and plain garbage.
      const genuineId = (await db.selectFrom('audit_checkpoint').select('key_id').limit(1).executeTakeFirstOrThrow()).key_id;
      const body = { seq: tail.seq, hash: tail.hash, at: new Date(), key_id: genuineId };
      await sql`insert into audit_checkpoint (seq, hash, at, key_id, signature) values (${body.seq}, ${body.hash}, ${body.at}, ${body.key_id}, ${signCheckpoint(body, intruder.privateKey)})`.execute(db);
      await sql`insert into audit_checkpoint (seq, hash, at, key_id, signature) values (${body.seq}, ${body.hash}, ${body.at}, ${keyId(intruder.publicKey)}, ${Buffer.alloc(64).toString('base64')})`.execute(db);
    },
    (r) => {
      assert.equal(r.ok, false);
      assert.deepEqual(kinds(r), ['bad_signature']);
      assert.equal(r.findings.length, 2);
    },
  );
});

test('tampering: tail and checkpoints both deleted in the database are found through the JSON-lines files', async () => {
  const cp = await store.services.audit.checkpoint({ force: true });
  await store.services.audit.settled();
  const entries = await rows();
  const cps = await db.selectFrom('audit_checkpoint').selectAll().orderBy('id').execute();
  try {
    await asDba(`delete from audit_entry where seq > ${cp!.seq - 2}; delete from audit_checkpoint`);
    assert.equal((await verify()).ok, true, 'the database alone looks consistent');
    const r = await verify({ jsonl: true });
    assert.equal(r.ok, false);
    assert.ok(kinds(r).includes('truncated'));
    assert.ok(kinds(r).includes('jsonl_checkpoint_missing'));
  } finally {
    await asDba('delete from audit_entry; delete from audit_checkpoint');
    for (const e of entries) await db.insertInto('audit_entry').values(e).execute();
    for (const c of cps) await sql`insert into audit_checkpoint (id, seq, hash, at, key_id, signature) values (${Number(c.id)}, ${Number(c.seq)}, ${c.hash}, ${c.at}, ${c.key_id}, ${c.signature})`.execute(db);
  }
  assert.deepEqual((await verify({ jsonl: true })).findings, []);
});

test('omamori audit verify / checkpoint: exit 0 when intact, 1 with what is wrong, 2 on misuse', async () => {
  const out: string[] = [];
  const io = { log: (s: string) => out.push(s), error: (s: string) => out.push(s) };
  assert.equal(await runAudit(['verify'], db, store.ctx.config, io), 0);
  assert.match(out.at(-1)!, /intact/);
  assert.equal(await runAudit(['verify', '--jsonl'], db, store.ctx.config, io), 0);
  assert.equal(await runAudit(['checkpoint'], db, store.ctx.config, io), 0);
  assert.match(out.at(-1)!, /checkpoint #\d+: entry \d+ [0-9a-f]{16} signed with Ed25519 key [0-9a-f]{16}/);
  assert.equal(await runAudit(['verify', '--bogus'], db, store.ctx.config, io), 2);
  out.length = 0;
  await tampered(`update audit_entry set actor_role = 'content_editor' where seq = 4`, async () => {
    assert.equal(await runAudit(['verify'], db, store.ctx.config, io), 1);
  });
  assert.ok(out.some((l) => /^FINDING hash_mismatch at entry 4/.test(l)), out.join('\n'));
  assert.ok(out.includes('first broken sequence number: 4'));
});

test('the real command line: audit checkpoint creates the key, audit verify exits 0 on a fresh store', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'omamori-audit-cli-'));
  const pg = testDbKind === 'postgres' ? await createTestDatabase() : undefined;
  try {
    const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: pg?.url ?? '', LOG_LEVEL: 'silent' };
    const cp = spawnSync(process.execPath, ['bin/omamori.js', 'audit', 'checkpoint'], { env, encoding: 'utf8' });
    assert.equal(cp.status, 0, cp.stderr);
    assert.ok(existsSync(join(dataDir, 'keys', 'audit-ed25519.key')));
    const ok = spawnSync(process.execPath, ['bin/omamori.js', 'audit', 'verify', '--jsonl'], { env, encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /0 entries .*1 checkpoint\(s\).*intact/);
    const bad = spawnSync(process.execPath, ['bin/omamori.js', 'audit', 'nonsense'], { env, encoding: 'utf8' });
    assert.equal(bad.status, 2);
  } finally {
    await pg?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('auditAdminRequests records state-changing and denied admin requests: route pattern, never query or body', async () => {
  const owner = await staffClient(store, 'owner');
  const app = Fastify();
  await app.register(
    async (admin) => {
      admin.decorateRequest('adminSession', null);
      admin.decorateRequest('staff', null);
      // What guardAdminContext sets for a complete session.
      admin.addHook('onRequest', async (req) => {
        if (req.headers['x-staff'] !== 'owner') return;
        const staff = { id: owner.staffId, name: 'x', email: 'x@example.jp', role: 'owner' as const };
        req.adminSession = { staff, secondFactorAt: new Date() } as never;
        req.staff = staff;
      });
      auditAdminRequests(admin, store.services);
      admin.post('/orders/:id/ship', async () => ({ ok: true }));
      admin.post('/password-reset/:token', async (_req, reply) => reply.code(422).send({ ok: false }));
      admin.get('/orders', async () => ({ ok: true }));
      admin.get('/staff', async (_req, reply) => reply.code(403).send({ error: 'forbidden' }));
    },
    { prefix: '/admin' },
  );
  const from = (await rows()).at(-1)!.seq;
  await app.inject({ method: 'POST', url: '/admin/orders/42/ship?email=hanako%40example.jp', headers: { 'x-staff': 'owner', 'user-agent': `UA ${'x'.repeat(400)}` }, payload: { note: 'secret note' } });
  await app.inject({ method: 'POST', url: '/admin/password-reset/abcdefSECRET', headers: { 'x-staff': 'owner' } });
  await app.inject({ method: 'GET', url: '/admin/orders', headers: { 'x-staff': 'owner' } });
  await app.inject({ method: 'GET', url: '/admin/staff' });
  await store.services.audit.settled();
  await app.close();
  const added = (await rows()).filter((r) => r.seq > from);
  assert.equal(added.length, 3, 'the POSTs and the 403; not the plain GET');
  // Written after each response, so not necessarily in request order.
  const byRoute = (route: string) => added.find((r) => (JSON.parse(r.detail) as { route: string }).route === route);
  const [ship, reset, denied] = [byRoute('/admin/orders/:id/ship'), byRoute('/admin/password-reset/:token'), byRoute('/admin/staff')];
  assert.equal(ship!.action, 'admin.request');
  assert.equal(ship!.actor_type, 'staff');
  assert.equal(ship!.actor_id, owner.staffId);
  assert.equal(ship!.actor_role, 'owner');
  assert.equal(ship!.object_type, 'orders');
  assert.equal(ship!.object_id, '42');
  assert.equal(ship!.result, 'success');
  assert.equal(ship!.ip, '127.0.0.1');
  assert.ok(ship!.user_agent!.length <= 200);
  assert.deepEqual(JSON.parse(ship!.detail), { method: 'POST', route: '/admin/orders/:id/ship', status: 200 });
  assert.equal(reset!.result, 'failed');
  assert.equal(reset!.object_id, null, 'a non-numeric parameter (a token?) is left out');
  assert.equal(denied!.actor_type, 'anonymous');
  assert.equal(denied!.result, 'denied');
  assert.deepEqual(JSON.parse(denied!.detail), { method: 'GET', route: '/admin/staff', status: 403 });
  const text = added.map((r) => JSON.stringify(r)).join('\n');
  assert.doesNotMatch(text, /hanako|secret note|SECRET/);
});

test('recordStaffSignIn and recordPersonalDataView record who, what and from where without personal data', async () => {
  const req = { ip: '198.51.100.7', headers: { 'user-agent': 'UA' } };
  const ok = await recordStaffSignIn(db, { ok: true, staff: { id: 7, role: 'administrator' }, step: 'second_factor', req });
  assert.equal(ok.action, 'staff.sign_in');
  assert.equal(ok.result, 'success');
  const failed = await recordStaffSignIn(db, { ok: false, reason: 'bad_credentials', req });
  assert.equal(failed.action, 'staff.sign_in_failed');
  assert.equal(failed.actor_type, 'anonymous');
  assert.equal(failed.ip, '198.51.100.7');
  const totp = await recordStaffSignIn(db, { ok: false, staff: { id: 7, role: 'administrator' }, step: 'second_factor', reason: 'bad_code', req });
  assert.equal(totp.action, 'staff.second_factor_failed');
  const throttled = await recordStaffSignIn(db, { ok: false, reason: 'throttled', req });
  assert.equal(throttled.result, 'denied');
  // T2/T5: a card number in an attacker's user agent never reaches the trail or its files.
  const card = await recordStaffSignIn(db, { ok: false, reason: 'bad_credentials', req: { ip: '198.51.100.7', headers: { 'user-agent': 'curl 4111 1111 1111 1111' } } });
  assert.equal(card.user_agent, 'curl [card number removed]');
  const view = await db.transaction().execute((trx) => recordPersonalDataView(trx, { staff: { id: 7, role: 'administrator' }, object: { type: 'customer', id: 12 }, fields: ['email', 'phone'], req }));
  assert.equal(view.action, 'personal_data.view_unmasked');
  assert.equal(view.object_id, '12');
  assert.deepEqual(JSON.parse(view.detail), { fields: ['email', 'phone'] });
  const role = await db.transaction().execute((trx) => recordStaffAction(trx, { staff: { id: 7, role: 'owner' }, action: 'permission.change', object: { type: 'staff', id: 9 }, detail: { from: 'content_editor', to: 'administrator' }, req }));
  assert.equal(role.action, 'permission.change');
  const emergency = await recordStaffAction(db, { staff: { id: 7, role: 'owner' }, action: 'emergency.revoke_sessions', detail: { sessions: 12 } });
  assert.equal(emergency.action, 'emergency.revoke_sessions');
});

test('the admin page lists and filters entries; a non-owner role without settings.manage is refused', async () => {
  const { client } = await staffClient(store, 'owner');
  const page = await client.get('/admin/audit');
  assert.equal(page.status, 200);
  assert.match(page.text, /監査ログ/);
  const tail = (await rows()).at(-1)!.seq;
  assert.match(page.text, new RegExp(`data-seq="${tail}"`));
  const seqs = (text: string) => [...text.matchAll(/<tr data-seq="(\d+)"/g)].map((m) => Number(m[1]));
  assert.equal(seqs(page.text).length, 50, 'one page of 50');
  const older = /href="(\/admin\/audit\?before=\d+)" rel="next"/.exec(page.text);
  assert.ok(older, 'a link to older entries');
  const next = await client.get(older[1]!.replace(/&amp;/g, '&'));
  assert.ok(Math.max(...seqs(next.text)) < Math.min(...seqs(page.text)));

  const byAction = await client.get('/admin/audit?action=staff.sign_in_failed');
  assert.equal(byAction.status, 200);
  const found = seqs(byAction.text);
  assert.equal(found.length, 3);
  const actions = await db.selectFrom('audit_entry').select('action').where('seq', 'in', found).execute();
  assert.ok(actions.every((a) => a.action === 'staff.sign_in_failed'));

  const byObject = await client.get('/admin/audit?object_type=customer&object_id=12');
  assert.equal(seqs(byObject.text).length, 1);
  const byStaff = await client.get('/admin/audit?staff=7&result=denied');
  assert.equal(seqs(byStaff.text).length, 0);
  const today = new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 10);
  const byDate = await client.get(`/admin/audit?from=${today}&to=${today}&action=personal_data.view_unmasked`);
  assert.equal(seqs(byDate.text).length, 1);
  const yesterday = new Date(Date.now() + 9 * 3600_000 - 86_400_000).toISOString().slice(0, 10);
  assert.equal(seqs((await client.get(`/admin/audit?to=${yesterday}`)).text).length, 0);

  const bad = await client.get('/admin/audit?from=2026-13-45');
  assert.equal(bad.status, 422);
  assert.match(bad.text, /aria-invalid="true" aria-describedby="from-error"/);

  const editor = await staffClient(store, 'content_editor');
  assert.equal((await editor.client.get('/admin/audit')).status, 403);
});

test('export as CSV or JSON Lines covers the filter and is itself recorded', async () => {
  const { client, staffId } = await staffClient(store, 'owner');
  const csv = await client.get('/admin/audit/export?format=csv&action=staff.sign_in_failed');
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type')!, /text\/csv/);
  assert.match(csv.headers.get('content-disposition')!, /attachment; filename="audit-\d{8}-\d{6}\.csv"/);
  const lines = csv.text.replace(/^\uFEFF/, '').trim().split('\r\n');
  assert.equal(lines[0], 'seq,at,actor_type,actor_id,actor_role,action,object_type,object_id,result,ip,user_agent,detail,prev_hash,hash');
  assert.equal(lines.length, 4);
  assert.ok(lines.slice(1).every((l) => l.includes(',staff.sign_in_failed,')));
  const recorded = await db.selectFrom('audit_entry').selectAll().where('action', '=', 'export.audit').orderBy('seq', 'desc').executeTakeFirstOrThrow();
  assert.equal(Number(recorded.actor_id), staffId);
  assert.deepEqual(JSON.parse(recorded.detail), { count: 3, filter: { action: 'staff.sign_in_failed' }, format: 'csv' });

  const jsonl = await client.get('/admin/audit/export?format=jsonl&object_type=customer');
  assert.equal(jsonl.status, 200);
  const items = jsonl.text.trim().split('\n').map((l) => JSON.parse(l) as AuditRecord);
  assert.equal(items.length, 1);
  assert.equal(items[0]!.hash, entryHash({ ...items[0]!, at: new Date(items[0]!.at) }), 'each exported entry carries its hash, checkable offline');
  const exports = await db.selectFrom('audit_entry').select('detail').where('action', '=', 'export.audit').execute();
  assert.equal(exports.length, 2);

  // T4: a stale step-up is sent to re-authenticate first, and nothing is exported or recorded.
  const stale = await staffClient(store, 'owner', { stepUp: false });
  const refused = await stale.client.get('/admin/audit/export?format=csv');
  assert.equal(refused.status, 303);
  assert.match(refused.location!, /\/admin\/step-up/);
  assert.equal((await db.selectFrom('audit_entry').select('seq').where('action', '=', 'export.audit').execute()).length, 2);
});

test('the scheduled verification raises a critical alert when the trail was tampered with', async () => {
  await store.services.audit.settled();
  await store.ctx.scheduler.runNow('audit-verify');
  assert.equal(store.services.audit.lastVerification()?.ok, true);
  assert.equal((await db.selectFrom('alert').select('id').where('kind', '=', 'audit_integrity').execute()).length, 0);
  await asDba(`update audit_entry set detail = '{}' where seq = 2`);
  await store.ctx.scheduler.runNow('audit-verify');
  const v = store.services.audit.lastVerification()!;
  assert.equal(v.ok, false);
  assert.equal(v.firstBrokenSeq, 2);
  const alert = await db.selectFrom('alert').selectAll().where('kind', '=', 'audit_integrity').executeTakeFirstOrThrow();
  assert.equal(alert.severity, 'critical');
  assert.equal((alert.detail as { firstBrokenSeq: number }).firstBrokenSeq, 2);
  const noted = await db.selectFrom('audit_entry').selectAll().where('action', '=', 'audit.verify_failed').execute();
  assert.equal(noted.length, 1);
  const page = await (await staffClient(store, 'owner')).client.get('/admin/audit');
  assert.match(page.text, /data-verified="failed"/);
  assert.ok(readFileSync(jsonlFiles(auditDir(store.dataDir)).at(-1)!, 'utf8').length > 0);
});
