import type { FastifyRequest } from 'fastify';
import { adminPage } from '../admin/layout.ts';
import { listAlerts } from '../alerts/queries.ts';
import { t as ta } from '../alerts/messages.ts';
import { can } from '../platform/permissions.ts';
import { t as ti } from '../integrity/messages.ts';
import { html, type SafeHtml } from '../platform/http/html.ts';
import { sendHtml } from '../platform/http/reply.ts';
import { formatDateTime, type Locale } from '../platform/i18n/index.ts';
import type { RouteModule } from '../services.ts';
import { bansAdminRoutes, banTable } from './bans-routes.ts';
import { hourlyChart } from './chart.ts';
import { eventKindLabels, hintText, labelText } from '../platform/security/labels.ts';
import { maskSource } from './mask.ts';
import { t } from './messages.ts';
import { signalsPerHour, topSources, type HourCount } from './queries.ts';
import { protections, type Protection } from './status.ts';

export const overviewPath = '/admin/security';
const chartHours = 7 * 24;

const tokyo = (d: Date, withDay = true) => {
  const x = new Date(d.getTime() + 9 * 3600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${withDay ? `${p(x.getUTCMonth() + 1)}/${p(x.getUTCDate())} ` : ''}${p(x.getUTCHours())}:00`;
};

function stateText(l: Locale, p: Protection): string {
  const params = { ...(p.params ?? {}) };
  // Reason codes become the integrity module's own plain words.
  if (typeof params.reason === 'string') params.reason = ti(l, `reason_${params.reason}` as Parameters<typeof ti>[1]) || params.reason;
  return t(l, p.state as Parameters<typeof t>[1], params);
}

function protectionRows(l: Locale, list: Protection[]): SafeHtml {
  return html`<div class="table-scroll"><table class="table lights">
<thead><tr><th scope="col">${t(l, 'protections')}</th><th scope="col">${t(l, 'state')}</th><th scope="col"><span class="visually-hidden">${t(l, 'more')}</span></th></tr></thead>
<tbody>${list.map(
    (p) => html`<tr class="light-row" data-protection="${p.key}" data-light="${p.light}">
<th scope="row">${t(l, `p_${p.key}`)}</th>
<td><span class="light light-${p.light}" aria-hidden="true"></span> <strong class="light-word">${t(l, `light_${p.light}`)}</strong><br><span>${stateText(l, p)}</span>${p.at ? html`<br><span class="muted small">${t(l, 'lastRun', { at: formatDateTime(p.at, l) })}</span>` : ''}</td>
<td class="nowrap">${p.href ? html`<a href="${p.href}">${t(l, 'more')}</a>` : ''}</td></tr>`,
  )}</tbody></table></div>`;
}

function chartSection(l: Locale, counts: HourCount[], now: Date): SafeHtml {
  const total = counts.reduce((n, c) => n + c.count, 0);
  const peak = counts.reduce<HourCount | null>((m, c) => (!m || c.count > m.count ? c : m), null);
  const summary = peak ? t(l, 'chartSummary', { total, max: peak.count, at: tokyo(peak.hour) }) : t(l, 'chartEmpty');
  const chart = hourlyChart(counts, now, chartHours, {
    title: t(l, 'chartTitle'),
    summary,
    bar: (h) => t(l, 'chartBar', { at: tokyo(h.hour), n: h.count }),
    day: (d) => tokyo(d).slice(0, 5),
  });
  return html`<section aria-labelledby="h-chart"><h2 id="h-chart">${t(l, 'chart')}</h2>
<p class="muted">${t(l, 'chartHelp')}</p>
<figure class="chart-figure">${chart}<figcaption>${summary}</figcaption></figure>
<details><summary>${t(l, 'chartTable')}</summary><table class="table small"><thead><tr><th scope="col">${t(l, 'hour')}</th><th scope="col">${t(l, 'count')}</th></tr></thead>
<tbody>${counts.map((c) => html`<tr><td>${tokyo(c.hour)}</td><td>${c.count}</td></tr>`)}</tbody></table></details></section>`;
}

/** Issue 12: the security overview, readable in ten seconds: lights, a chart, sources, bans, open alerts. */
export const securityOverviewAdminRoutes: RouteModule = (app, s) => {
  bansAdminRoutes(app, s);

  app.get('/security', { config: { permission: 'security.read' } }, async (req: FastifyRequest, reply) => {
    const l = req.locale;
    const now = new Date();
    const since = new Date(now.getTime() - chartHours * 3600_000);
    const unmasked = can(req.staff!.role, 'customers.read_unmasked');
    const [lights, counts, sources, bans, alerts] = await Promise.all([
      protections(s.ctx, s, now),
      signalsPerHour(s.ctx.database.db, since),
      topSources(s.ctx.database.db, since),
      s.bans.store.active(now),
      listAlerts(s.ctx.db, { status: 'open', limit: 10 }),
    ]);
    // Issue 15: the self-diagnosis and the drills (owners only).
    const ownerLinks = can(req.staff!.role, 'security.emergency') ? html`<p class="owner-links"><a href="/admin/security/doctor">${l === 'ja' ? 'セキュリティ診断(点数と直すこと)' : 'Security self-diagnosis (score and fixes)'}</a> · <a href="/admin/security/drills">${l === 'ja' ? '攻撃の訓練(ドリル)' : 'Breach drills'}</a></p>` : '';
    const body = html`<p class="lead">${t(l, 'intro')}</p>${ownerLinks}
<section aria-labelledby="h-lights"><h2 id="h-lights">${t(l, 'protections')}</h2><p class="muted">${t(l, 'protectionsHelp')}</p>${protectionRows(l, lights)}</section>
<section aria-labelledby="h-alerts"><h2 id="h-alerts">${t(l, 'alerts')}</h2><p class="muted">${t(l, 'alertsHelp')}</p>
${alerts.length
  ? html`<ul class="open-alerts">${alerts.map((a) => html`<li data-alert="${a.id}"><span class="badge severity-${a.severity}">${ta(l, `sev_${a.severity}`)}</span> <a href="/admin/security/alerts/${a.id}">${a.title}</a> <span class="muted small">${formatDateTime(a.lastSeenAt, l)} (${a.occurrences})</span></li>`)}</ul>`
  : html`<p>${t(l, 'alertsNone')}</p>`}
<p><a href="/admin/security/alerts">${t(l, 'allAlerts')}</a></p></section>
${chartSection(l, counts, now)}
<section aria-labelledby="h-sources"><h2 id="h-sources">${t(l, 'sources')}</h2><p class="muted">${t(l, 'sourcesHelp')}</p>
${sources.length
  ? html`<div class="table-scroll"><table class="table sources"><thead><tr><th scope="col">${t(l, 'network')}</th><th scope="col">${t(l, 'count')}</th><th scope="col">${t(l, 'kinds')}</th><th scope="col">${t(l, 'last')}</th></tr></thead>
<tbody>${sources.map((r) => html`<tr><td><code>${maskSource(r.network, unmasked)}</code></td><td>${r.count}</td><td>${r.kinds.map((k, i) => html`${i ? '、' : ''}<span title="${hintText(eventKindLabels[k], l)}">${labelText(eventKindLabels[k], l, k)}</span>`)}</td><td>${formatDateTime(r.last, l)}</td></tr>`)}</tbody></table></div>`
  : html`<p>${t(l, 'sourcesNone')}</p>`}</section>
<section aria-labelledby="h-bans"><h2 id="h-bans">${t(l, 'bans')}</h2><p class="muted">${t(l, 'bansHelp')}</p>
${banTable(l, bans, unmasked)}
<p><a href="/admin/security/bans">${t(l, 'manageBans')}</a></p></section>`;
    return sendHtml(reply, adminPage(req, { title: t(l, 'title'), section: overviewPath, body }));
  });
};
