import type { FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '../platform/http/html.ts';
import { assetTag, assetUrl } from '../platform/http/assets.ts';
import { t } from './messages.ts';

/** What the storefront frame shows around every page. */
export interface StoreChrome {
  shopName: string;
  categories: Array<{ slug: string; name: string }>;
  cartCount: number;
  customerName: string | null;
  /** Approved third-party script tags for this page (script inventory); empty on payment pages. */
  thirdPartyScripts?: SafeHtml;
  /** A notice above the page's content (issue 13: the incident notice on an affected customer's account page). */
  banner?: SafeHtml | '';
}

export interface StorePage {
  title: string;
  body: SafeHtml;
  description?: string;
  /** Extra first-party scripts (paths under /static/js/). */
  scripts?: string[];
  /** The current search, shown in the header's search box. */
  searchQuery?: string;
  /** The category being browsed, marked in the category navigation. */
  currentCategory?: string;
}

export function storePage(req: FastifyRequest, chrome: StoreChrome, page: StorePage): SafeHtml {
  const l = req.locale;
  const other = l === 'ja' ? 'en' : 'ja';
  const title = page.title ? `${page.title} | ${chrome.shopName}` : chrome.shopName;
  return html`<!doctype html>
<html lang="${l}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
${page.description ? html`<meta name="description" content="${page.description}">` : ''}
${assetTag('css/store.css')}
<link rel="icon" href="${assetUrl('img/favicon.svg')}" type="image/svg+xml">
</head>
<body>
<a class="skip" href="#main">${t(l, 'skip')}</a>
<header class="site-header">
  <div class="wrap header-row">
    <a class="brand" href="/">${chrome.shopName}</a>
    <form class="search" action="/products" method="get" role="search">
      <label class="visually-hidden" for="q">${t(l, 'search')}</label>
      <input id="q" name="q" type="search" value="${page.searchQuery ?? ''}" placeholder="${t(l, 'searchPlaceholder')}" maxlength="100">
      <button type="submit">${t(l, 'search')}</button>
    </form>
    <nav class="header-links" aria-label="${t(l, 'menu')}">
      <a href="/account">${chrome.customerName ?? t(l, 'signIn')}</a>
      <a href="/cart" class="cart-link">${t(l, 'cart')}<span class="badge" aria-label="${chrome.cartCount}">${chrome.cartCount}</span></a>
      <a href="?lang=${other}" hreflang="${other}" lang="${other}">${t(l, 'language')}</a>
    </nav>
  </div>
  <nav class="wrap categories" aria-label="${t(l, 'allProducts')}">
    <a href="/products">${t(l, 'allProducts')}</a>
    ${chrome.categories.map((c) => html`<a href="/c/${c.slug}"${c.slug === page.currentCategory ? html` aria-current="page"` : ''}>${c.name}</a>`)}
  </nav>
</header>
<main id="main" class="wrap">
${chrome.banner ?? ''}${page.body}
</main>
<footer class="site-footer">
  <div class="wrap">
    <p>${t(l, 'footerNote')}</p>
    <nav><a href="/legal/tokushoho">${t(l, 'tokushoho')}</a> <a href="/legal/privacy">${t(l, 'privacy')}</a> <a href="/legal/terms">${t(l, 'terms')}</a></nav>
    <p class="small">© ${chrome.shopName}</p>
  </div>
</footer>
${(page.scripts ?? []).map((s) => assetTag(s))}
${chrome.thirdPartyScripts ?? ''}
</body>
</html>`;
}

/** A minimal page for errors, which must render even when the database is unavailable. */
export function storeErrorPage(req: FastifyRequest, status: number, message: string): string {
  const l = req.locale;
  return String(html`<!doctype html>
<html lang="${l}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t(l, 'errorTitle')} ${status}</title>${assetTag('css/store.css')}</head>
<body><main id="main" class="wrap narrow"><h1>${t(l, 'errorTitle')} ${status}</h1>
<p class="alert alert-error" role="alert">${message}</p><p><a href="/">${t(l, 'backHome')}</a></p></main></body></html>`);
}
