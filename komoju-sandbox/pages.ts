/** The hosted pages of the KOMOJU sandbox. Every value is escaped; no script at all. */
import { esc } from '../sandbox-gateway/pages.ts';

const yen = (n: number) => `¥${n.toLocaleString('en-US')}`;

const style = `body{font-family:system-ui,sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
label{display:block;margin:.75rem 0 .25rem}input,select{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}
button{margin-top:1rem;padding:.6rem 1rem;font-size:1rem}.row{display:flex;gap:.5rem}.note{color:#555;font-size:.875rem}
.error{color:#b00020}.box{border:1px solid #ccc;border-radius:6px;padding:1rem;margin:1rem 0}h2{font-size:1.1rem;margin:0}`;

export const konbiniStores = [
  { id: 'seven_eleven', label: 'セブン-イレブン / 7-Eleven' },
  { id: 'lawson', label: 'ローソン / Lawson' },
  { id: 'family_mart', label: 'ファミリーマート / FamilyMart' },
  { id: 'ministop', label: 'ミニストップ / Ministop' },
  { id: 'daily_yamazaki', label: 'デイリーヤマザキ / Daily Yamazaki' },
  { id: 'seicomart', label: 'セイコーマート / Seicomart' },
];

export function page(title: string, body: string, styleNonce: string): string {
  return `<!doctype html><html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style nonce="${esc(styleNonce)}">${style}</style></head><body>
<p class="note">omamori KOMOJU sandbox — テスト環境 / test mode. Use a test card only; nothing is really paid.</p>${body}</body></html>`;
}

export interface MethodView {
  sessionId: string;
  amount: number;
  orderNumber: string;
  formToken: string;
  types: string[];
  cancelUrl: string;
  error?: string;
}

export function methodPage(v: MethodView): string {
  const token = `<input type="hidden" name="form_token" value="${esc(v.formToken)}">`;
  const action = `/sessions/${esc(v.sessionId)}/pay`;
  const sections: string[] = [];
  if (v.types.includes('credit_card')) {
    sections.push(`<form method="post" action="${action}" class="box" autocomplete="off" data-method="credit_card"><h2>クレジットカード / Card</h2>${token}<input type="hidden" name="payment_type" value="credit_card">
<label for="number">カード番号 / Card number</label><input id="number" name="number" inputmode="numeric" autocomplete="cc-number" required>
<div class="row"><div><label for="exp">有効期限 / Expiry (MM/YY)</label><input id="exp" name="exp" placeholder="MM/YY" autocomplete="cc-exp" required></div>
<div><label for="cvc">セキュリティコード / CVC</label><input id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" required></div></div>
<label for="name">カード名義 / Name on card</label><input id="name" name="name" autocomplete="cc-name" required>
<button type="submit">支払う / Pay ${esc(yen(v.amount))}</button></form>`);
  }
  if (v.types.includes('konbini')) {
    sections.push(`<form method="post" action="${action}" class="box" data-method="konbini"><h2>コンビニ決済 / Convenience store</h2>${token}<input type="hidden" name="payment_type" value="konbini">
<label for="store">お支払いするコンビニ / Store</label><select id="store" name="store" required><option value="">選んでください / Choose</option>${konbiniStores.map((k) => `<option value="${esc(k.id)}">${esc(k.label)}</option>`).join('')}</select>
<button type="submit">お支払い番号を発行する / Get a payment number</button></form>`);
  }
  if (v.types.includes('paypay')) {
    sections.push(`<form method="post" action="${action}" class="box" data-method="paypay"><h2>PayPay</h2>${token}<input type="hidden" name="payment_type" value="paypay"><button type="submit">PayPayで支払う / Pay with PayPay</button></form>`);
  }
  if (v.types.includes('pay_easy')) {
    sections.push(`<form method="post" action="${action}" class="box" data-method="pay_easy"><h2>Pay-easy（ペイジー）</h2>${token}<input type="hidden" name="payment_type" value="pay_easy"><button type="submit">お支払い番号を発行する / Get a payment number</button></form>`);
  }
  return `<h1>お支払い / Payment</h1>
<p>ご注文 / Order ${esc(v.orderNumber)}: <strong>${esc(yen(v.amount))}</strong></p>
${v.error ? `<p class="error" role="alert">${esc(v.error)}</p>` : ''}${sections.join('\n')}
<p><a href="${esc(v.cancelUrl)}">ショップに戻る / Return to the shop</a></p>`;
}

export function challengePage(sessionId: string, formToken: string, brand: string, last4: string, amount: number, cancelUrl: string): string {
  return `<h1>本人認証 / 3-D Secure authentication</h1>
<div class="box"><p>カード発行会社による本人認証です（テスト）。<br>Your card issuer asks you to confirm this payment (test).</p>
<p>${esc(brand.toUpperCase())} •••• ${esc(last4)} — ${esc(yen(amount))}</p>
<form method="post" action="/sessions/${esc(sessionId)}/3ds"><input type="hidden" name="form_token" value="${esc(formToken)}">
<button type="submit" name="action" value="complete">認証する / Complete</button>
<button type="submit" name="action" value="fail">認証失敗 / Fail</button></form></div>
<p><a href="${esc(cancelUrl)}">ショップに戻る / Return to the shop</a></p>`;
}

export function paypayPage(sessionId: string, formToken: string, amount: number, cancelUrl: string): string {
  return `<h1>PayPay</h1><div class="box"><p>PayPayアプリでの承認（テスト）/ Approval in the PayPay app (test)</p><p><strong>${esc(yen(amount))}</strong></p>
<form method="post" action="/sessions/${esc(sessionId)}/paypay"><input type="hidden" name="form_token" value="${esc(formToken)}">
<button type="submit" name="action" value="approve">承認する / Approve</button> <button type="submit" name="action" value="back">戻る / Back</button></form></div>
<p><a href="${esc(cancelUrl)}">ショップに戻る / Return to the shop</a></p>`;
}

export function storeInstructionsPage(p: { id: string; status: string; total: number; payment_deadline: string | null; payment_details: { type: string; store?: string; receipt?: string; confirmation_code?: string; customer_id?: string; confirmation_id?: string } }, formToken: string): string {
  const d = p.payment_details;
  const rows = d.type === 'konbini'
    ? [['お支払い先 / Store', konbiniStores.find((k) => k.id === d.store)?.label ?? d.store ?? ''], ['お支払い番号 / Payment number', d.receipt ?? ''], ['確認番号 / Confirmation number', d.confirmation_code ?? '']]
    : [['お客様番号 / Customer number', d.customer_id ?? ''], ['確認番号 / Confirmation number', d.confirmation_id ?? '']];
  return `<h1>お支払い方法 / How to pay</h1><div class="box"><dl>${[...rows, ['金額 / Amount', yen(p.total)], ['期限 / Deadline', p.payment_deadline ?? ''], ['状態 / Status', p.status]].map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl></div>
${p.status === 'authorized' ? `<form method="post" action="/instructions/${esc(p.id)}/pay"><input type="hidden" name="form_token" value="${esc(formToken)}"><p class="note">サンドボックスのみ: 店頭でのお支払いを再現します / Sandbox only: simulate paying at the counter.</p><button type="submit">店頭で支払う（テスト）/ Pay at the store (test)</button></form>` : ''}`;
}
