/** The hosted pages of the sandbox gateway. Every value is escaped; no script at all. */

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (v: unknown) => String(v).replace(/[&<>"']/g, (c) => escapes[c]!);

const yen = (n: number) => `¥${n.toLocaleString('en-US')}`;

const style = `body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
label{display:block;margin:.75rem 0 .25rem}input{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}
button{margin-top:1rem;padding:.6rem 1rem;font-size:1rem}.row{display:flex;gap:.5rem}.note{color:#555;font-size:.875rem}
.error{color:#b00020}.box{border:1px solid #ccc;border-radius:6px;padding:1rem}`;

export function page(title: string, body: string, styleNonce: string): string {
  return `<!doctype html><html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style nonce="${esc(styleNonce)}">${style}</style></head><body>
<p class="note">omamori sandbox gateway — テスト環境 / test mode. Use a test card only.</p>${body}</body></html>`;
}

export interface PayView {
  sessionId: string;
  amount: number;
  orderNumber: string;
  formToken: string;
  error?: string;
  cancelUrl: string;
}

export function payForm(v: PayView): string {
  return `<h1>カードでお支払い / Pay by card</h1>
<p>ご注文 / Order ${esc(v.orderNumber)}: <strong>${esc(yen(v.amount))}</strong></p>
${v.error ? `<p class="error" role="alert">${esc(v.error)}</p>` : ''}
<form method="post" action="/pay/${esc(v.sessionId)}" class="box" autocomplete="off">
<input type="hidden" name="form_token" value="${esc(v.formToken)}">
<label for="number">カード番号 / Card number</label><input id="number" name="number" inputmode="numeric" autocomplete="cc-number" required>
<div class="row"><div><label for="exp">有効期限 / Expiry (MM/YY)</label><input id="exp" name="exp" placeholder="MM/YY" autocomplete="cc-exp" required></div>
<div><label for="cvc">セキュリティコード / CVC</label><input id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" required></div></div>
<label for="name">カード名義 / Name on card</label><input id="name" name="name" autocomplete="cc-name" required>
<button type="submit">支払う / Pay ${esc(yen(v.amount))}</button>
</form>
<p><a href="${esc(v.cancelUrl)}">ショップに戻る / Return to the shop</a></p>`;
}

export function challengePage(sessionId: string, formToken: string, brand: string, last4: string, amount: number, cancelUrl: string): string {
  return `<h1>本人認証 / 3-D Secure authentication</h1>
<div class="box"><p>カード発行会社による本人認証です（テスト）。<br>Your card issuer asks you to confirm this payment (test).</p>
<p>${esc(brand.toUpperCase())} •••• ${esc(last4)} — ${esc(yen(amount))}</p>
<form method="post" action="/pay/${esc(sessionId)}/3ds"><input type="hidden" name="form_token" value="${esc(formToken)}">
<button type="submit" name="action" value="complete">認証する / Complete</button>
<button type="submit" name="action" value="fail">認証失敗 / Fail</button></form></div>
<p><a href="${esc(cancelUrl)}">ショップに戻る / Return to the shop</a></p>`;
}

export function endedPage(message: string, link: { href: string; label: string } | null): string {
  return `<h1>${esc(message)}</h1>${link ? `<p><a href="${esc(link.href)}">${esc(link.label)}</a></p>` : ''}`;
}
