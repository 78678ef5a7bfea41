import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { recordSecurityEvent } from '../platform/security/event-stream.ts';
import { unexpectedListeners } from '../platform/security/listening-sockets.ts';
import type { RouteModule } from '../services.ts';
import { bearer, verifyDrillToken } from './tokens.ts';

export { drillAlertLabel as drillLabel } from '../alerts/raise.ts';
import { drillAlertLabel as drillLabel } from '../alerts/raise.ts';

interface AlertRow {
  id: number;
  kind: string;
  title: string;
  created_at: Date;
  fingerprint: string;
}

/**
 * The drill API (issue 15), for `omamori drill` only: every call needs a drill token (created on the host or by an
 * owner). It shows what the drill's own steps caused, triggers the scheduled scans now, and closes the drill's alerts
 * as drills. Hidden from the OpenAPI document: it is not part of the shop's API.
 */
export const drillApiRoutes: RouteModule = (app, s) => {
  const { db } = s.ctx;
  const auth = async (req: FastifyRequest, reply: FastifyReply): Promise<number | null> => {
    const id = await verifyDrillToken(db, bearer(req.headers.authorization));
    if (id === null) {
      void reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'drill token required' });
      return null;
    }
    return id;
  };
  const runOf = async (tokenId: number, runId: string) => {
    const r = await sql<{ id: number; nonce: string; started_at: Date; finished_at: Date | null }>`select id, nonce, started_at, finished_at from drill_run where id = ${Number(runId) || 0} and token_id = ${tokenId}`.execute(db);
    return r.rows[0] ?? null;
  };
  const opts = { schema: { hide: true } };

  app.post<{ Body: { target?: string } }>('/drill/runs', opts, async (req, reply) => {
    const tokenId = await auth(req, reply);
    if (tokenId === null) return reply;
    const nonce = randomBytes(12).toString('hex');
    const target = String((req.body as { target?: unknown } | undefined)?.target ?? '').slice(0, 200);
    const r = await sql<{ id: number; started_at: Date }>`insert into drill_run (token_id, nonce, target) values (${tokenId}, ${nonce}, ${target}) returning id, started_at`.execute(db);
    recordSecurityEvent(db, { kind: 'drill.run', outcome: 'done', ip: req.ip, detail: { run: Number(r.rows[0]!.id), step: 'start' } });
    return { runId: Number(r.rows[0]!.id), nonce, startedAt: r.rows[0]!.started_at, integrityRoot: s.integrity.status().root };
  });

  /** Alerts raised since the run started (id, kind, title, time, fingerprint), and whether card checkout is on. */
  app.get<{ Params: { id: string } }>('/drill/runs/:id/alerts', opts, async (req, reply) => {
    const tokenId = await auth(req, reply);
    if (tokenId === null) return reply;
    const run = await runOf(tokenId, req.params.id);
    if (!run) return reply.code(404).send({ error: 'no such run' });
    const alerts = await sql<AlertRow>`select id, kind, title, created_at, fingerprint from alert where created_at >= ${run.started_at} order by id`.execute(db);
    return { alerts: alerts.rows.map((a) => ({ ...a, id: Number(a.id) })), cardCheckout: s.integrity.cardCheckoutAllowed() };
  });

  /** The hourly malware scan and the card-number scan, now (a drill must not wait an hour to see them catch). */
  app.post<{ Params: { id: string; scan: string } }>('/drill/runs/:id/scan/:scan', opts, async (req, reply) => {
    const tokenId = await auth(req, reply);
    if (tokenId === null) return reply;
    const run = await runOf(tokenId, req.params.id);
    if (!run || run.finished_at) return reply.code(404).send({ error: 'no such run' });
    if (req.params.scan === 'malware') return { findings: (await s.malwareScan.scanNow('drill')).findings.length };
    if (req.params.scan === 'pan') return { finds: (await s.detection.scanNow('manual')).report.finds.length };
    return reply.code(404).send({ error: 'unknown scan' });
  });

  /**
   * T1 (issue 15): what a stolen database copy shows of the personal data the drill just entered. Every text and JSON
   * column of every table is read raw (no vault, as from a dump) and searched for the drill's values. T1: only values
   * that carry this run's secret nonce may be searched, so a drill token is never an oracle for real customers' data.
   */
  app.post<{ Params: { id: string }; Body: { needles?: unknown } }>('/drill/runs/:id/db-copy', opts, async (req, reply) => {
    const tokenId = await auth(req, reply);
    if (tokenId === null) return reply;
    const run = await runOf(tokenId, req.params.id);
    if (!run || run.finished_at) return reply.code(404).send({ error: 'no such run' });
    const needles = Array.isArray(req.body?.needles) ? req.body.needles.filter((n): n is string => typeof n === 'string' && n.length <= 200 && n.includes(run.nonce)).slice(0, 5) : [];
    if (!needles.length) return reply.code(422).send({ error: 'needles must carry the run nonce' });
    const raw = s.ctx.database.db;
    const cols = await sql<{ table_name: string; column_name: string }>`select c.table_name, c.column_name from information_schema.columns c join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = current_schema() and t.table_type = 'BASE TABLE' and c.data_type in ('text', 'character varying', 'json', 'jsonb') order by c.table_name, c.column_name`.execute(raw);
    const plaintext: string[] = [];
    for (const c of cols.rows) {
      for (const n of needles) {
        const hit = await sql<{ n: number }>`select count(*)::int as n from ${sql.ref(c.table_name)} where ${sql.ref(c.column_name)}::text like ${`%${n}%`}`.execute(raw);
        if (Number(hit.rows[0]?.n ?? 0) > 0) plaintext.push(`${c.table_name}.${c.column_name}`);
      }
    }
    return { tables: new Set(cols.rows.map((c) => c.table_name)).size, columns: cols.rows.length, plaintext: [...new Set(plaintext)] };
  });

  /** T3 (issue 15): listeners reachable from outside on ports the store does not expect (as `omamori doctor` lists). */
  app.post<{ Params: { id: string } }>('/drill/runs/:id/listeners', opts, async (req, reply) => {
    const tokenId = await auth(req, reply);
    if (tokenId === null) return reply;
    const run = await runOf(tokenId, req.params.id);
    if (!run || run.finished_at) return reply.code(404).send({ error: 'no such run' });
    const { config } = s.ctx;
    // The store's own ports, PostgreSQL and Redis: the same expectation as the doctor's "host.ports" check.
    const listeners = unexpectedListeners([config.port, config.adminPort ?? -1, 5432, 6379]);
    return { listeners: listeners?.map((l) => ({ address: l.address, port: l.port })) ?? null };
  });

  /**
   * The end of a run: its report is kept, the alerts the runner attributes to its steps (raised after the start, and
   * carrying the run's nonce or naming a path the runner touched) are labelled as drills and closed, the integrity
   * findings on those paths are acknowledged, and the runner's own address is unbanned.
   */
  app.post<{ Params: { id: string } }>('/drill/runs/:id/finish', opts, async (req, reply) => {
    const tokenId = await auth(req, reply);
    if (tokenId === null) return reply;
    const run = await runOf(tokenId, req.params.id);
    if (!run || run.finished_at) return reply.code(404).send({ error: 'no such run' });
    const body = (req.body ?? {}) as { report?: { drills?: Array<{ steps?: Array<{ result?: string }> }> }; alertIds?: unknown; paths?: unknown };
    const alertIds = Array.isArray(body.alertIds) ? body.alertIds.map(Number).filter(Number.isInteger).slice(0, 500) : [];
    const paths = Array.isArray(body.paths) ? body.paths.map(String).filter((p) => p.length < 500).slice(0, 100) : [];
    const steps = (body.report?.drills ?? []).flatMap((d) => d.steps ?? []);
    const count = (r: string) => steps.filter((x) => x.result === r).length;
    const note = `訓練(ドリル)#${run.id} による検知。自動で確認済みにしました / raised by drill #${run.id}, closed automatically`;
    let closed = 0;
    await db.transaction().execute(async (trx) => {
      // Only alerts of this run: raised after it started, and tied to it by its nonce or a path it touched.
      const rows = alertIds.length ? await sql<AlertRow>`select id, kind, title, created_at, fingerprint from alert where id = any(${alertIds}::bigint[]) and created_at >= ${run.started_at}`.execute(trx) : { rows: [] as AlertRow[] };
      for (const a of rows.rows) {
        const ours = a.fingerprint.includes(run.nonce) || paths.some((p) => a.fingerprint.includes(p)) || a.kind.startsWith('ban') || a.kind.includes('stuffing') || a.kind === 'common_passwords';
        if (!ours) continue;
        await sql`update alert set title = case when title like ${`${drillLabel}%`} then title else ${drillLabel} || title end, detail = detail || ${JSON.stringify({ drill: Number(run.id) })}::jsonb,
          acknowledged_at = coalesce(acknowledged_at, now()), acknowledgement_note = ${note}, resolved_at = coalesce(resolved_at, now()), resolution_note = ${note}
          where id = ${a.id}`.execute(trx);
        closed += 1;
      }
      const touched = [...paths, ...paths.map((p) => `uploads/${p.split('/').pop()}`)];
      if (touched.length) await sql`update integrity_finding set acknowledged_at = now(), acknowledgement_note = ${note} where acknowledged_at is null and first_seen_at >= ${run.started_at} and (path = any(${touched}::text[]) or position(${run.nonce} in path) > 0)`.execute(trx);
      await sql`update drill_run set finished_at = now(), stopped = ${count('stopped')}, caught = ${count('caught')}, missed = ${count('missed')}, report = ${JSON.stringify(body.report ?? {})}::jsonb where id = ${run.id}`.execute(trx);
    });
    // T4 drill: the brute-force step gets the runner's address banned; the drill lifts it (the runner is the operator).
    await s.bans.store.remove('ip', req.ip).catch(() => 0);
    await s.integrity.verifyNow({ full: true });
    recordSecurityEvent(db, { kind: 'drill.run', outcome: 'done', ip: req.ip, detail: { run: Number(run.id), step: 'finish', missed: count('missed'), closed } });
    return { closed, cardCheckout: s.integrity.cardCheckoutAllowed() };
  });
};
