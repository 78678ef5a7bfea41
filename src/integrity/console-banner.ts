import { html, type SafeHtml } from '../platform/http/html.ts';
import type { Locale } from '../platform/i18n/index.ts';
import { t } from './messages.ts';
import type { CardCheckoutReason } from './service.ts';

/**
 * T1 fail closed: the banner every console page shows while card checkout is off because of a finding. The console
 * frame (admin/layout.ts) renders what the guard hands it (issue 11: admin/ sits below integrity/ and imports neither
 * this nor the reason type; the composition root wires them, src/app/console-frame.ts).
 */
export function cardCheckoutBanner(l: Locale, reason: CardCheckoutReason): SafeHtml {
  return html`<div class="alert alert-error security-banner" role="alert" data-card-checkout-off="${reason}"><strong>${t(l, 'bannerTitle')}</strong> ${t(l, 'bannerBody', { reason: t(l, `reason_${reason}`) })} <a href="/admin/security/integrity">${t(l, 'bannerLink')}</a></div>`;
}
