import { html, type SafeHtml } from '../http/html.ts';
import type { Locale } from '../i18n/index.ts';
import { auditActionLabel, eventKindLabels, hintText, labelText, mailKindLabels } from './labels.ts';

export { auditActionLabel, labelText };

const rawLabel = { ja: 'コードと詳細', en: 'Code and detail' } as const;

/** An audit action as people read it: its label, one line on what it means, the code one click away. */
export function actionCell(action: string, l: Locale): SafeHtml {
  const label = auditActionLabel(action);
  if (!label) return html`<code>${action}</code>`;
  return html`<strong>${labelText(label, l, action)}</strong><br><span class="muted small">${hintText(label, l)}</span> <details class="raw"><summary class="small">${rawLabel[l]}</summary><code>${action}</code></details>`;
}

/** A security-event kind as people read it (same shape as actionCell). */
export function eventKindCell(kind: string, l: Locale): SafeHtml {
  const label = eventKindLabels[kind];
  if (!label) return html`<code>${kind}</code>`;
  return html`<strong>${labelText(label, l, kind)}</strong><br><span class="muted small">${hintText(label, l)}</span> <details class="raw"><summary class="small">${rawLabel[l]}</summary><code>${kind}</code></details>`;
}

/** Raw JSON detail behind a click (empty objects say nothing). */
export function rawDetail(detail: string | Record<string, unknown>, l: Locale): SafeHtml | '' {
  const text = typeof detail === 'string' ? detail : JSON.stringify(detail);
  if (!text || text === '{}') return '';
  return html`<details class="raw"><summary class="small">${rawLabel[l]}</summary><code class="small">${text}</code></details>`;
}

/** A mail kind in the outbox: its label, with the code in the tooltip and one click away. */
export function mailKindCell(kind: string, l: Locale): SafeHtml {
  const label = mailKindLabels[kind];
  if (!label) return html`<code>${kind}</code>`;
  return html`<span title="${hintText(label, l)}">${labelText(label, l, kind)}</span> <details class="raw"><summary class="small">${rawLabel[l]}</summary><code>${kind}</code></details>`;
}
