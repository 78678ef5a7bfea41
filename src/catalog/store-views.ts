import { formatYen, type Locale } from '../platform/i18n/index.ts';
import { html, type SafeHtml } from '../platform/http/html.ts';
import { t } from './messages.ts';
import type { ProductSummary, StockState } from './service.ts';

/** "¥1,500（税込）" or "¥1,500〜¥3,800（税込）". */
export function priceLabel(l: Locale, from: number, to = from): SafeHtml {
  const amount = from === to ? formatYen(from, l) : t(l, 'priceFromTo', { from: formatYen(from, l), to: formatYen(to, l) });
  return html`<span class="price">${amount}<span class="tax-note">${t(l, 'taxIncluded')}</span></span>`;
}

export function stockLabel(l: Locale, state: StockState): SafeHtml {
  const cls = state === 'low' ? 'stock stock-low' : state === 'sold_out' ? 'stock stock-out' : 'stock';
  return html`<span class="${cls}">${t(l, state)}</span>`;
}

export function productGrid(l: Locale, items: ProductSummary[]): SafeHtml {
  return html`<ul class="grid product-grid">
${items.map(
  (p) => html`<li class="card product-card"><a href="/p/${p.slug}">
  <img src="${p.imageUrl}" alt="" width="400" height="400" loading="lazy">
  <div class="body"><span class="name">${p.name}</span>${priceLabel(l, p.priceFrom, p.priceTo)}${stockLabel(l, p.stockState)}</div>
</a></li>`,
)}
</ul>`;
}

export function breadcrumbs(l: Locale, trail: Array<{ href?: string; label: string }>): SafeHtml {
  return html`<nav class="breadcrumbs" aria-label="${t(l, 'breadcrumbs')}"><ol>
${trail.map((c) => html`<li>${c.href ? html`<a href="${c.href}">${c.label}</a>` : html`<span aria-current="page">${c.label}</span>`}</li>`)}
</ol></nav>`;
}

/** Accessible pagination: real links, the current page marked, previous/next with text labels. */
export function pagination(l: Locale, page: number, pages: number, hrefFor: (page: number) => string, nextBeyond?: string): SafeHtml {
  if (pages <= 1 && !nextBeyond) return html``;
  const numbers = pageWindow(page, pages);
  return html`<nav class="pagination" aria-label="${t(l, 'pagination')}">
${page > 1 ? html`<a href="${hrefFor(page - 1)}" rel="prev">${t(l, 'previous')}</a>` : ''}
${numbers.map((n) =>
  n === null
    ? html`<span aria-hidden="true">…</span>`
    : n === page
      ? html`<a href="${hrefFor(n)}" aria-current="page" aria-label="${t(l, 'pageN', { n })}">${n}</a>`
      : html`<a href="${hrefFor(n)}" aria-label="${t(l, 'pageN', { n })}">${n}</a>`,
)}
${page < pages ? html`<a href="${hrefFor(page + 1)}" rel="next">${t(l, 'next')}</a>` : nextBeyond ? html`<a href="${nextBeyond}" rel="next">${t(l, 'next')}</a>` : ''}
</nav>`;
}

/** Pagination by position (keyset): the first page, previous and next; the same cost at any depth. */
export function keysetPagination(l: Locale, links: { first: string | null; prev: string | null; next: string | null }): SafeHtml {
  if (!links.prev && !links.next) return html``;
  return html`<nav class="pagination" aria-label="${t(l, 'pagination')}">
${links.first && links.prev ? html`<a href="${links.first}">${t(l, 'firstPage')}</a>` : ''}
${links.prev ? html`<a href="${links.prev}" rel="prev">${t(l, 'previous')}</a>` : ''}
${links.next ? html`<a href="${links.next}" rel="next">${t(l, 'next')}</a>` : ''}
</nav>`;
}

function pageWindow(page: number, pages: number): Array<number | null> {
  const keep = new Set([1, pages, page - 1, page, page + 1].filter((n) => n >= 1 && n <= pages));
  const sorted = [...keep].sort((a, b) => a - b);
  const out: Array<number | null> = [];
  sorted.forEach((n, i) => {
    if (i > 0 && n - sorted[i - 1]! > 1) out.push(null);
    out.push(n);
  });
  return out;
}

/** Plain-text description as paragraphs (blank line = new paragraph, newline = line break). */
export function paragraphs(text: string): SafeHtml {
  return html`${text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => html`<p>${p.split('\n').map((line, i) => (i ? html`<br>${line}` : line))}</p>`)}`;
}
