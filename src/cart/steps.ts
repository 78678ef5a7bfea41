import { html, type SafeHtml } from '../platform/http/html.ts';
import type { Locale } from '../platform/i18n/index.ts';
import { t } from './messages.ts';

export type PurchaseStep = 'cart' | 'address' | 'review' | 'done';
const order: Array<{ step: PurchaseStep; key: 'stepCart' | 'stepAddress' | 'stepReview' | 'stepDone' }> = [
  { step: 'cart', key: 'stepCart' },
  { step: 'address', key: 'stepAddress' },
  { step: 'review', key: 'stepReview' },
  { step: 'done', key: 'stepDone' },
];

/** カート → お届け先 → 確認 → 完了, with the current step marked for assistive technology. */
export function purchaseSteps(locale: Locale, current: PurchaseStep): SafeHtml {
  return html`<ol class="steps" aria-label="${t(locale, 'steps')}">${order.map(
    (s) => html`<li${s.step === current ? html` aria-current="step"` : ''}>${t(locale, s.key)}</li>`,
  )}</ol>`;
}
