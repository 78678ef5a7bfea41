import type { Locale } from '../platform/i18n/index.ts';
import { html } from '../platform/http/html.ts';
import type { StorePage } from '../storefront/layout.ts';
import { t } from './messages.ts';
import type { ProductDetail } from './service.ts';
import { breadcrumbs, paragraphs, priceLabel, stockLabel } from './store-views.ts';

/** The product page: photos, price, variant choice and the add-to-cart form (handled by the cart domain). */
export function productPage(l: Locale, p: ProductDetail): StorePage {
  const available = p.variants.filter((v) => v.stockState !== 'sold_out');
  const preselected = available[0]?.id;
  const [main, ...more] = p.images.length ? p.images : [{ url: p.imageUrl, alt: '' }];
  const trail = [{ href: '/', label: t(l, 'home') }, ...(p.category ? [{ href: `/c/${p.category.slug}`, label: p.category.name }] : [{ href: '/products', label: t(l, 'allProducts') }]), { label: p.name }];
  const body = html`${breadcrumbs(l, trail)}
<div class="product-detail">
  <div class="product-gallery">
    <img src="${main!.url}" alt="${main!.alt}" width="800" height="800">
    ${more.length ? html`<ul class="product-thumbs">${more.map((i) => html`<li><img src="${i.url}" alt="${i.alt}" width="200" height="200" loading="lazy"></li>`)}</ul>` : ''}
  </div>
  <div class="stack">
    <h1>${p.name}</h1>
    <p>${priceLabel(l, p.priceFrom, p.priceTo)}</p>
    ${p.taxClass === 'reduced' ? html`<p class="tax-note">${t(l, 'reducedRate')}</p>` : ''}
    ${available.length ? '' : html`<p class="alert alert-info" role="status">${t(l, 'soldOutNotice')}</p>`}
    <form method="post" action="/cart/items" class="add-to-cart">
      <fieldset>
        <legend>${t(l, 'chooseVariant')}</legend>
        ${p.variants.map(
          (v) => html`<label class="choice">
          <input type="radio" name="variant_id" value="${v.id}" required ${v.id === preselected ? 'checked' : ''} ${v.stockState === 'sold_out' ? 'disabled' : ''}>
          <span class="variant-option"><span>${v.name}</span> ${priceLabel(l, v.price)} ${stockLabel(l, v.stockState)}</span>
        </label>`,
        )}
      </fieldset>
      <div class="field quantity-field">
        <label for="quantity">${t(l, 'quantity')}</label>
        <input id="quantity" name="quantity" type="number" inputmode="numeric" min="1" max="99" value="1" required ${available.length ? "" : "disabled"}>
      </div>
      <button type="submit" class="btn-primary" ${available.length ? '' : 'disabled'}>${t(l, 'addToCart')}</button>
    </form>
    ${p.description ? html`<section aria-labelledby="product-description"><h2 id="product-description">${t(l, 'description')}</h2>${paragraphs(p.description)}</section>` : ''}
  </div>
</div>`;
  return { title: p.name, body, description: p.description.replace(/\s+/g, ' ').slice(0, 120) || p.name };
}
