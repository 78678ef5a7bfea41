import { mailKindCell } from '../platform/security/label-cells.ts';
import { recordPersonalDataView } from '../audit/record.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { mailDetail, statusBadge } from './views.ts';
import { maskEmail } from '../platform/privacy/masking.ts';
import { sql } from 'kysely';
import { adminPage } from '../admin/layout.ts';
import { AppError } from '../platform/http/errors.ts';
import { html } from '../platform/http/html.ts';
import { sendHtml } from '../platform/http/reply.ts';
import { formatDateTime } from '../platform/i18n/index.ts';
import type { RouteModule } from '../services.ts';
import { openOutboxRow } from '../platform/mail/outbox-fields.ts';
import { t } from './messages.ts';

const section = '/admin/mail';
const perPage = 50;

/**
 * The outbox, read-only. In the embedded default (no SMTP) this is where staff read what the store
 * sent. Mail holds customers' personal data, so it needs `mail.read` (T4), and only the text body
 * is shown: rendering stored HTML in the console would be a stored-XSS channel (T3/T6).
 */
export const mailboxAdminRoutes: RouteModule = (app, s) => {
  const { db } = s.ctx;

  app.get('/mail', { config: { permission: 'mail.read' } }, async (req, reply) => {
    const l = req.locale;
    // T4: recipients are customers' e-mail addresses: masked for every role, like the other admin lists.
    const raw = Number.parseInt(String((req.query as Record<string, unknown>).page ?? '1'), 10);
    const { n } = await db.selectFrom('mail_outbox').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    const pages = Math.max(1, Math.ceil(n / perPage));
    const page = Math.min(Math.max(1, Number.isFinite(raw) ? raw : 1), pages);
    const stored = await db
      .selectFrom('mail_outbox')
      .select(['id', 'kind', 'to_address', 'subject', 'status', 'created_at'])
      .orderBy('id', 'desc')
      .limit(perPage)
      .offset((page - 1) * perPage)
      .execute();
    // Issue 5: recipient and subject are stored encrypted; decrypted here for this page only.
    const rows = await Promise.all(stored.map((m) => openOutboxRow(s.ctx.vault, m)));
    const body = html`<p class="muted">${t(l, 'intro')}</p>
${rows.length
  ? html`<div class="table-scroll"><table class="table mail-list">
<thead><tr><th scope="col">${t(l, 'created')}</th><th scope="col">${t(l, 'status')}</th><th scope="col">${t(l, 'kind')}</th><th scope="col">${t(l, 'to')}</th><th scope="col">${t(l, 'subject')}</th></tr></thead>
<tbody>${rows.map((m) => html`<tr><td>${formatDateTime(m.created_at, l)}</td><td>${statusBadge(m.status, l)}</td><td>${mailKindCell(m.kind, l)}</td><td>${maskEmail(m.to_address)}</td><td><a href="/admin/mail/${m.id}">${m.subject}</a></td></tr>`)}</tbody>
</table></div>
${pages > 1
  ? html`<nav class="pagination" aria-label="${t(l, 'pageOf', { page, pages })}">
${page > 1 ? html`<a href="/admin/mail?page=${page - 1}" rel="prev">${t(l, 'previous')}</a>` : ''}
<span aria-current="page">${t(l, 'pageOf', { page, pages })}</span>
${page < pages ? html`<a href="/admin/mail?page=${page + 1}" rel="next">${t(l, 'next')}</a>` : ''}</nav>`
  : ''}`
  : html`<p>${t(l, 'empty')}</p>`}`;
    return sendHtml(reply, adminPage(req, { title: t(l, 'title'), section, body }));
  });

  // T4: a mail body carries a customer's name, address and order: only roles that may see unmasked personal
  // data open it, and even they see it masked until they reveal it (recorded).
  app.get('/mail/:id', { config: { permission: 'customers.read_unmasked' } }, async (req, reply) => renderMail(req, reply, false));
  app.post('/mail/:id/reveal', { config: { permission: 'customers.read_unmasked' } }, async (req, reply) => renderMail(req, reply, true));

  async function renderMail(req: FastifyRequest, reply: FastifyReply, reveal: boolean) {
    const l = req.locale;
    const id = (req.params as { id: string }).id;
    if (!/^\d{1,15}$/.test(id)) throw new AppError('not_found');
    const stored = await db.selectFrom('mail_outbox').selectAll().where('id', '=', Number(id)).executeTakeFirst();
    if (!stored) throw new AppError('not_found');
    const m = await openOutboxRow(s.ctx.vault, stored);
    // Principle 4: a mail body is unmasked personal data; revealing it is recorded before it is shown.
    if (reveal) await recordPersonalDataView(db, { staff: req.staff!, object: { type: 'mail', id: m.id }, fields: ['to', 'body'], req });
    const body = mailDetail(m, l, { revealed: reveal, canReveal: true });
    return sendHtml(reply, adminPage(req, { title: t(l, 'detailTitle', { id: m.id }), section, body }));
  }
};
