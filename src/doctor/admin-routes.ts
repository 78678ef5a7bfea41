import type { FastifyRequest } from 'fastify';
import { adminPage } from '../admin/layout.ts';
import { html } from '../platform/http/html.ts';
import { sendHtml } from '../platform/http/reply.ts';
import type { RouteModule } from '../services.ts';
import type { Locale } from '../platform/i18n/index.ts';
import { t } from './messages.ts';
import { runDoctor, type DoctorCheck, type DoctorReport } from './checks.ts';
import { saqAEvidence } from './saq-a.ts';

export const doctorPath = '/admin/security/doctor';

function checkRow(l: Locale, c: DoctorCheck) {
  return html`<tr data-check="${c.id}" data-status="${c.status}"><td><span class="badge status-${c.status}">${t(l, c.status)}</span></td><td>${c.severity === 'info' ? '—' : t(l, c.severity)}</td><td>${c.title}${c.fix ? html`<br><strong>${t(l, 'fix')}</strong> ${c.fix}` : ''}${c.detail ? html`<details><summary>${t(l, 'detail')}</summary><code>${c.id}</code>: ${c.detail}</details>` : ''}</td></tr>`;
}

function page(l: Locale, r: DoctorReport) {
  const todo = r.checks.filter((c) => c.status === 'fail' || c.status === 'warn');
  const rest = r.checks.filter((c) => c.status === 'pass' || c.status === 'info');
  const row = (c: DoctorCheck) => checkRow(l, c);
  return html`<p class="lead">${t(l, 'lead')}</p>
<p class="score" data-score="${r.score}"><strong>${t(l, 'score', { score: r.score })}</strong> <span class="muted small">(${r.at})</span></p>
<p class="muted">${t(l, 'liveHelp')}</p>
<section aria-labelledby="h-todo"><h2 id="h-todo">${t(l, 'todo', { n: todo.length })}</h2>
${todo.length ? html`<div class="table-scroll"><table class="table doctor"><thead><tr><th scope="col">${t(l, 'status')}</th><th scope="col">${t(l, 'severity')}</th><th scope="col">${t(l, 'what')}</th></tr></thead><tbody>${todo.map(row)}</tbody></table></div>` : html`<p>${t(l, 'todoNone')}</p>`}</section>
<section aria-labelledby="h-checklist"><h2 id="h-checklist">${t(l, 'checklist')}</h2>
<p class="muted">${t(l, 'checklistHelp')}</p>
<div class="table-scroll"><table class="table checklist"><thead><tr><th scope="col">${t(l, 'item')}</th><th scope="col">${t(l, 'status')}</th><th scope="col">${t(l, 'evidence')}</th><th scope="col">${t(l, 'operatorTodo')}</th></tr></thead>
<tbody>${r.checklist.map((i) => html`<tr data-item="${i.id}"><th scope="row">${i.title}</th><td>${t(l, i.status)}</td><td>${i.evidence}</td><td>${i.todo}</td></tr>`)}</tbody></table></div></section>
<section aria-labelledby="h-ok"><h2 id="h-ok">${t(l, 'ok', { n: rest.length })}</h2>
<details><summary>${t(l, 'showList')}</summary><div class="table-scroll"><table class="table doctor"><tbody>${rest.map(row)}</tbody></table></div></details></section>
<section aria-labelledby="h-saq"><h2 id="h-saq">${t(l, 'saq')}</h2><p>${t(l, 'saqHelp')}</p>
<p><a href="${doctorPath}/saq-a.json" download>${t(l, 'saqDownload')}</a></p></section>
<p><a href="${doctorPath}.json">${t(l, 'json')}</a></p>`;
}

/** Issue 15: the self-diagnosis in the console (owners only; reading it needs no step-up). */
export const doctorAdminRoutes: RouteModule = (app, s) => {
  const report = () => runDoctor({ config: s.ctx.config, db: s.ctx.db });
  // Owners only: the report names weak spots (open ports, key locations) an attacker would like to read.
  app.get('/security/doctor', { config: { permission: 'security.emergency' } }, async (req: FastifyRequest, reply) => {
    const r = await report();
    return sendHtml(reply, adminPage(req, { title: t(req.locale, 'title'), section: '/admin/security', body: page(req.locale, r) }));
  });
  app.get('/security/doctor/saq-a.json', { config: { permission: 'security.emergency' } }, async (_req, reply) => {
    const pack = await saqAEvidence(s.ctx.config, s.ctx.db);
    return reply.header('cache-control', 'no-store').header('content-disposition', `attachment; filename="omamori-saq-a-evidence-${pack.generatedAt.slice(0, 10)}.json"`).send(pack);
  });
  app.get('/security/doctor.json', { config: { permission: 'security.emergency' } }, async (_req, reply) => {
    const r = await report();
    return reply.header('cache-control', 'no-store').send({ score: r.score, checks: r.checks.map(({ id, title, status, severity, fix }) => ({ id, title, status, severity, fix })), checklist: r.checklist });
  });
};
