import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../platform/http/errors.ts';
import { html, type SafeHtml } from '../platform/http/html.ts';
import { redirectAfterPost, sendHtml } from '../platform/http/reply.ts';
import { formatDateTime, formatYen } from '../platform/i18n/index.ts';
import type { RouteModule, Services } from '../services.ts';
import { storePage } from '../storefront/layout.ts';
import { applyClaim, openClaim, requestClaim } from './claim.ts';
import { t } from './messages.ts';

const tokenOf = (req: FastifyRequest) => (req.params as { token?: string }).token ?? '';
const signIn = (req: FastifyRequest, reply: FastifyReply) => reply.redirect(`/account/sign-in?next=${encodeURIComponent(req.url)}`, 303);

async function page(s: Services, req: FastifyRequest, reply: FastifyReply, body: SafeHtml, status = 200) {
  return sendHtml(reply, storePage(req, await s.chrome(req), { title: t(req.locale, 'claimTitle'), body: html`<h1>${t(req.locale, 'claimTitle')}</h1>${body}` }), status);
}

/**
 * Guest orders claimed by a signed-in customer (issue 16). T4: the address is the account's own, never typed; the
 * link goes to that mailbox and works only for the account that asked, while it still has that address.
 */
export const orderClaimStoreRoutes: RouteModule = (app, s) => {
  app.post('/account/orders/claim', async (req, reply) => {
    if (!req.customer) return signIn(req, reply);
    const shop = await s.shop.get();
    await requestClaim(s.ctx.db, s.ctx.vault, { customerId: req.customer.id, email: req.customer.email, locale: req.locale, shopName: shop.name, publicUrl: s.ctx.config.publicUrl });
    return redirectAfterPost(reply, '/account/orders?claim=sent');
  });

  app.get('/account/orders/claim/:token', async (req, reply) => {
    if (!req.customer) return signIn(req, reply);
    const l = req.locale;
    const claim = await openClaim(s.ctx.db, tokenOf(req), req.customer.id);
    if (!claim) throw new AppError('not_found', { message: t(l, 'claimInvalid') });
    if (!claim.orders.length) return page(s, req, reply, html`<p>${t(l, 'claimNone')}</p><p><a href="/account/orders">${t(l, 'myOrders')}</a></p>`);
    return page(s, req, reply, html`<p>${t(l, 'claimConfirm', { n: claim.orders.length })}</p>
<ul class="claim-orders">${claim.orders.map((o) => html`<li>${o.number} <span class="muted">${formatDateTime(o.placedAt, l)}</span> ${formatYen(o.total, l)}</li>`)}</ul>
<form method="post" action="/account/orders/claim/${tokenOf(req)}"><button type="submit" class="btn btn-primary">${t(l, 'claimApply')}</button></form>`);
  });

  app.post('/account/orders/claim/:token', async (req, reply) => {
    if (!req.customer) return signIn(req, reply);
    const n = await applyClaim(s.ctx.db, tokenOf(req), req.customer.id);
    if (n === null) throw new AppError('not_found', { message: t(req.locale, 'claimInvalid') });
    return redirectAfterPost(reply, `/account/orders?claimed=${n}`);
  });
};

/** The box on the order-history page, with the notices of the two steps. */
export function claimBox(req: FastifyRequest): SafeHtml {
  const l = req.locale;
  const q = (req.query ?? {}) as Record<string, unknown>;
  const claimed = typeof q.claimed === 'string' && /^\d{1,4}$/.test(q.claimed) ? Number(q.claimed) : null;
  return html`${claimed !== null ? html`<p class="alert alert-success" role="status">${t(l, 'claimDone', { n: claimed })}</p>` : ''}
${q.claim === 'sent' ? html`<p class="alert alert-info" role="status">${t(l, 'claimSent', { email: req.customer!.email })}</p>` : ''}
<section class="card stack claim-box" aria-labelledby="claim-heading"><h2 id="claim-heading">${t(l, 'claimHeading')}</h2>
<p class="small">${t(l, 'claimHelp', { email: req.customer!.email })}</p>
<form method="post" action="/account/orders/claim"><button type="submit" class="btn btn-secondary">${t(l, 'claimButton')}</button></form></section>`;
}
