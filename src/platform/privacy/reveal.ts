import { html, type SafeHtml } from '../http/html.ts';
import type { Locale } from '../i18n/index.ts';
import { t } from './messages.ts';

/**
 * Personal data in the admin is masked by default, for every role (T4: a hijacked staff session sees
 * 山田 *, t***@example.jp, 090-****-1234). Revealing one record is an explicit POST (CSRF-checked by the
 * root origin hook), permission-checked and recorded; the unmasked page is that POST's response only,
 * so nothing stays revealed after a reload, in the history or on a shared screen.
 */
export function revealPanel(action: string, l: Locale, opts: { revealed: boolean; canReveal: boolean }): SafeHtml {
  if (opts.revealed) return html`<p class="alert alert-info" role="status" data-revealed="true">${t(l, 'revealedNote')}</p>`;
  return html`<div class="reveal-panel" data-revealed="false"><p class="hint">${t(l, 'maskedNote')}</p>
${opts.canReveal
  ? html`<form method="post" action="${action}" class="reveal-form"><button type="submit" class="btn btn-secondary">${t(l, 'revealButton')}</button> <span class="small muted">${t(l, 'revealHint')}</span></form>`
  : ''}</div>`;
}
