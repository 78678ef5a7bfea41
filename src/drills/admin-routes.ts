import type { FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { adminPage } from '../admin/layout.ts';
import { recordStaffAction } from '../audit/record.ts';
import { html } from '../platform/http/html.ts';
import { sendHtml } from '../platform/http/reply.ts';
import type { RouteModule } from '../services.ts';
import { t } from './messages.ts';
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
    const l = req.locale;
    const body = html`<p class="lead">${t(l, 'lead')}</p>
<p class="muted">${t(l, 'whatToDo')}</p>
<section aria-labelledby="h-token"><h2 id="h-token">${t(l, 'token')}</h2>
<p>${t(l, 'tokenHelp')}</p>
${token ? html`<p class="notice" data-drill-token>${t(l, 'tokenShown')} <code>${token.token}</code><br>${t(l, 'expires')} ${token.expiresAt.toISOString()}</p>` : ''}
<form method="post" action="${drillsPath}/token"><button type="submit" class="button">${t(l, 'makeToken')}</button></form></section>
<section aria-labelledby="h-runs"><h2 id="h-runs">${t(l, 'runs')}</h2>
${runs.rows.length
  ? html`<div class="table-scroll"><table class="table"><thead><tr><th scope="col">#</th><th scope="col">${t(l, 'target')}</th><th scope="col">${t(l, 'started')}</th><th scope="col">${t(l, 'stopped')}</th><th scope="col">${t(l, 'caught')}</th><th scope="col">${t(l, 'missed')}</th></tr></thead>
<tbody>${runs.rows.map((r) => html`<tr data-run="${r.id}"><td>${r.id}</td><td><code>${r.target}</code></td><td>${new Date(r.started_at).toISOString()}</td><td>${r.stopped}</td><td>${r.caught}</td><td>${r.finished_at ? (r.missed ? html`<strong>${r.missed}</strong>` : '0') : t(l, 'running')}</td></tr>`)}</tbody></table></div>`
  : html`<p>${t(l, 'none')}</p>`}</section>`;
    return adminPage(req, { title: t(req.locale, 'title'), section: '/admin/security', body });
  };
  app.get('/security/drills', { config: { permission: 'security.emergency' } }, async (req, reply) => sendHtml(reply, await page(req)));
  // T4: a drill token lets its holder plant files' effects and close the alerts they cause: owners only, after step-up, audited.
  app.post('/security/drills/token', { config: { permission: 'security.emergency', stepUp: true } }, async (req, reply) => {
    const made = await createDrillToken(s.ctx.db, { createdBy: req.staff!.id });
    await recordStaffAction(s.ctx.db, { staff: req.staff!, action: 'drill.token_create', object: { type: 'drill_token' }, req });
    return sendHtml(reply.header('cache-control', 'no-store'), await page(req, made));
  });
};
