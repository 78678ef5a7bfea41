import type { FastifyRequest } from 'fastify';
import { purchaseSteps } from '../../cart/steps.ts';
import { html, type SafeHtml } from '../../platform/http/html.ts';
import { storePage, type StoreChrome } from '../../storefront/layout.ts';
import { t } from '../messages.ts';

/** Stock ran out between review and confirmation: nothing was placed; the way back is the cart. */
export function soldOutPage(req: FastifyRequest, chrome: StoreChrome): SafeHtml {
  const l = req.locale;
  const body = html`${purchaseSteps(l, 'review')}
<h1>${t(l, 'soldOutTitle')}</h1>
<p class="alert alert-error" role="alert">${t(l, 'soldOut')}</p>
<p><a class="btn btn-primary" href="/cart">${t(l, 'backToCart')}</a></p>`;
  return storePage(req, chrome, { title: t(l, 'soldOutTitle'), body });
}
