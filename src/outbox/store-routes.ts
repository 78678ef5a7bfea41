import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../platform/http/errors.ts';
import { html } from '../platform/http/html.ts';
import { sendHtml } from '../platform/http/reply.ts';
import { formatDateTime } from '../platform/i18n/index.ts';
import { openOutboxRow } from '../platform/mail/outbox-fields.ts';
import { labelText, mailKindLabels } from '../platform/security/labels.ts';
import type { RouteModule } from '../services.ts';
import { storePage } from '../storefront/layout.ts';
import { tc } from './customer-messages.ts';

const shown = 200;

/**
 * "Mail from us" on the customer's account (issue 17, T4: phishing in the shop's name). Every mail the outbox
 * holds for the signed-in customer's address (found by its blind index, never by decrypting other mail), newest
 * first; the body on click. Another customer's mail answers 404, like a mail that does not exist.
 */
export const mailboxStoreRoutes: RouteModule = (app, s) => {
  const { db, vault } = s.ctx;
  const signedIn = (req: FastifyRequest, reply: FastifyReply) => {
    if (req.customer) return req.customer;
    void reply.redirect(`/account/sign-in?next=${encodeURIComponent(req.url)}`, 303);
    return null;
  };

  app.get('/account/mail', async (req, reply) => {
    const customer = signedIn(req, reply);
    if (!customer) return reply;
    const l = req.locale;
    const stored = await db
      .selectFrom('mail_outbox')
      .select(['id', 'kind', 'subject', 'created_at'])
      .where('to_bidx', '=', vault.emailIndex(customer.email))
      .orderBy('id', 'desc')
      .limit(shown)
      .execute();
    const rows = await Promise.all(stored.map((m) => openOutboxRow(vault, m)));
    const body = html`<section class="stack">
<h1>${tc(l, 'title')}</h1>
<p>${tc(l, 'intro')}</p>
${rows.length
  ? html`<div class="table-scroll"><table class="table" data-mail-count="${rows.length}">
<thead><tr><th scope="col">${tc(l, 'date')}</th><th scope="col">${tc(l, 'subject')}</th><th scope="col">${tc(l, 'kind')}</th></tr></thead>
<tbody>${rows.map((m) => html`<tr data-mail-id="${m.id}"><td>${formatDateTime(m.created_at, l)}</td><td><a href="/account/mail/${m.id}">${m.subject}</a></td><td>${labelText(mailKindLabels[m.kind], l, m.kind)}</td></tr>`)}</tbody>
</table></div>`
  : html`<p>${tc(l, 'empty')}</p>`}
<p><a href="/account">${tc(l, 'accountPage')}</a></p>
</section>`;
    return sendHtml(reply, storePage(req, await s.chrome(req), { title: tc(l, 'title'), body }));
  });

  app.get('/account/mail/:id', async (req, reply) => {
    const customer = signedIn(req, reply);
    if (!customer) return reply;
    const l = req.locale;
    const raw = (req.params as { id?: string }).id ?? '';
    if (!/^[1-9]\d{0,9}$/.test(raw)) throw new AppError('not_found');
    const stored = await db
      .selectFrom('mail_outbox')
      .select(['id', 'kind', 'subject', 'text_body', 'created_at'])
      .where('id', '=', Number(raw))
      .where('to_bidx', '=', vault.emailIndex(customer.email)) // only theirs: someone else's mail is "not found"
      .executeTakeFirst();
    if (!stored) throw new AppError('not_found');
    const m = await openOutboxRow(vault, stored);
    // Text only: a stored HTML body is never rendered (the template escapes the text).
    const body = html`<section class="stack">
<p><a href="/account/mail">${tc(l, 'back')}</a></p>
<h1>${m.subject}</h1>
<dl class="account-facts"><dt>${tc(l, 'date')}</dt><dd>${formatDateTime(m.created_at, l)}</dd><dt>${tc(l, 'kind')}</dt><dd>${labelText(mailKindLabels[m.kind], l, m.kind)}</dd></dl>
<pre class="mail-body">${m.text_body}</pre>
</section>`;
    return sendHtml(reply, storePage(req, await s.chrome(req), { title: m.subject, body }));
  });
};
