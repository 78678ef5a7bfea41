import type { FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { adminPage } from '../admin/layout.ts';
import { recordStaffAction } from '../audit/record.ts';
import { html } from '../platform/http/html.ts';
import { sendHtml } from '../platform/http/reply.ts';
import type { RouteModule } from '../services.ts';
import { createDrillToken } from './tokens.ts';

export const drillsPath = '/admin/security/drills';

interface RunRow {
  id: number;
  target: string;
  started_at: Date;
  finished_at: Date | null;
  stopped: number;
  caught: number;
  missed: number;
}

/** Issue 15: the breach drills in the console: the last runs, and a drill token for `omamori drill` (owners, step-up). */
export const drillsAdminRoutes: RouteModule = (app, s) => {
  const page = async (req: FastifyRequest, token?: { token: string; expiresAt: Date }) => {
    const runs = await sql<RunRow>`select id, target, started_at, finished_at, stopped, caught, missed from drill_run order by id desc limit 20`.execute(s.ctx.db);
    const body = html`<p class="lead">攻撃の訓練(ドリル)で、6種類の侵害の手口をお店に対して試し、防げたか・何秒で検知できたかを確かめます。訓練で出たアラートは「[訓練 / DRILL]」と表示され、自動で閉じられます。</p>
<section aria-labelledby="h-token"><h2 id="h-token">訓練用トークン</h2>
<p>サーバーで <code>omamori drill all --target URL --token トークン</code> を実行するときに使います(24時間有効)。対象はこのサーバー自身か、DRILL_ALLOWED_HOSTS に登録したステージング環境だけです。</p>
${token ? html`<p class="notice" data-drill-token>トークン(この画面でしか表示されません): <code>${token.token}</code><br>有効期限: ${token.expiresAt.toISOString()}</p>` : ''}
<form method="post" action="${drillsPath}/token"><button type="submit" class="button">トークンを発行する</button></form></section>
<section aria-labelledby="h-runs"><h2 id="h-runs">最近の訓練</h2>
${runs.rows.length
  ? html`<div class="table-scroll"><table class="table"><thead><tr><th scope="col">#</th><th scope="col">対象</th><th scope="col">開始</th><th scope="col">防いだ</th><th scope="col">検知</th><th scope="col">見逃し</th></tr></thead>
<tbody>${runs.rows.map((r) => html`<tr data-run="${r.id}"><td>${r.id}</td><td><code>${r.target}</code></td><td>${new Date(r.started_at).toISOString()}</td><td>${r.stopped}</td><td>${r.caught}</td><td>${r.finished_at ? (r.missed ? html`<strong>${r.missed}</strong>` : '0') : '実行中'}</td></tr>`)}</tbody></table></div>`
  : html`<p>まだ訓練は行われていません。</p>`}</section>`;
    return adminPage(req, { title: '攻撃の訓練(ドリル)', section: '/admin/security', body });
  };
  app.get('/security/drills', { config: { permission: 'security.emergency' } }, async (req, reply) => sendHtml(reply, await page(req)));
  // T4: a drill token lets its holder plant files' effects and close the alerts they cause: owners only, after step-up, audited.
  app.post('/security/drills/token', { config: { permission: 'security.emergency', stepUp: true } }, async (req, reply) => {
    const made = await createDrillToken(s.ctx.db, { createdBy: req.staff!.id });
    await recordStaffAction(s.ctx.db, { staff: req.staff!, action: 'drill.token_create', object: { type: 'drill_token' }, req });
    return sendHtml(reply.header('cache-control', 'no-store'), await page(req, made));
  });
};
