import { html, type SafeHtml } from '../platform/http/html.ts';
import { formatDateTime, type Locale } from '../platform/i18n/index.ts';
import { maskEmail } from '../platform/privacy/masking.ts';
import { revealPanel } from '../platform/privacy/reveal.ts';
import { t } from './messages.ts';

export type MailStatus = 'queued' | 'sent' | 'kept' | 'failed';

export interface MailDetail {
  id: number;
  kind: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  status: MailStatus;
  created_at: Date;
  sent_at: Date | null;
  attempts: number;
  last_error: string | null;
}

export function statusBadge(status: MailStatus, l: Locale): SafeHtml {
  return html`<span class="status mail-status-${status}">${t(l, `status_${status}`)}</span>`;
}

/**
 * One mail: the recipient masked and the body withheld until the audited reveal (T4); only the
 * text body is ever shown, since stored HTML rendered in the console would be a stored-XSS channel.
 */
export function mailDetail(m: MailDetail, l: Locale, view: { revealed: boolean; canReveal: boolean }): SafeHtml {
  return html`<p><a href="/admin/mail">${t(l, 'back')}</a></p>
${revealPanel(`/admin/mail/${m.id}/reveal`, l, view)}
<dl class="mail-meta">
  <dt>${t(l, 'subject')}</dt><dd>${m.subject}</dd>
  <dt>${t(l, 'to')}</dt><dd>${view.revealed ? m.to_address : maskEmail(m.to_address)}</dd>
  <dt>${t(l, 'kind')}</dt><dd><code>${m.kind}</code></dd>
  <dt>${t(l, 'status')}</dt><dd>${statusBadge(m.status, l)}</dd>
  <dt>${t(l, 'created')}</dt><dd>${formatDateTime(m.created_at, l)}</dd>
  ${m.sent_at ? html`<dt>${t(l, 'sentAt')}</dt><dd>${formatDateTime(m.sent_at, l)}</dd>` : ''}
  ${m.attempts ? html`<dt>${t(l, 'attempts')}</dt><dd>${m.attempts}</dd>` : ''}
  ${m.last_error ? html`<dt>${t(l, 'lastError')}</dt><dd>${m.last_error}</dd>` : ''}
</dl>
<h2>${t(l, 'body')}</h2>
${view.revealed ? html`<pre class="mail-body">${m.text_body}</pre>
${m.html_body ? html`<p class="small muted">${t(l, 'htmlNote')}</p>` : ''}` : html`<p class="muted">${t(l, 'bodyHidden')}</p>`}`;
}
