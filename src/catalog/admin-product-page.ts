import { successAlert } from '../platform/http/form-fields.ts';
import type { FastifyRequest } from 'fastify';
import { adminPage } from '../admin/layout.ts';
import { can } from '../platform/permissions.ts';
import { formatYen, type Locale } from '../platform/i18n/index.ts';
import { html, type SafeHtml } from '../platform/http/html.ts';
import { emptyForm, errorSummary, inputField, type FormState } from './admin-fields.ts';
import { a } from './admin-messages.ts';
import { variantIdentityFields } from './admin-variant-fields.ts';
import type { AdminProduct } from './admin-data.ts';
import { productForm, productFormValues, type CategoryOption } from './admin-product-form.ts';
import { mediaUrl } from './images.ts';
import { stockLabel } from './store-views.ts';
import { stockState } from './stock-state.ts';

export interface EditorState {
  product?: FormState;
  variant?: FormState;
  image?: FormState;
  confirmDelete?: boolean;
  notice?: string | null;
}

/** The product editor: fields, publishing, variants, images and deletion on one page. */
export function productEditor(req: FastifyRequest, data: AdminProduct, categories: CategoryOption[], uploadMaxBytes: number, state: EditorState = {}): SafeHtml {
  const l = req.locale;
  const { product: p } = data;
  const base = `/admin/products/${p.id}`;
  // T4: a read-only role (order operator) sees the product but gets no forms it could not submit.
  const canWrite = req.staff ? can(req.staff.role, 'catalog.write') : false;
  if (!canWrite) return readOnlyView(req, data);
  const body = html`<p class="cluster"><a href="/admin/products">${a(l, 'back')}</a>${p.published ? html`<a href="/p/${p.slug}">${a(l, 'viewInStore')}</a>` : ''}</p>
${successAlert(state.notice ?? null)}
<form method="post" action="${base}/publish" class="cluster publish-bar">
  <span class="status">${p.published ? a(l, 'published') : a(l, 'draft')}</span>
  <input type="hidden" name="published" value="${p.published ? '0' : '1'}">
  <button type="submit" class="${p.published ? 'btn-secondary' : 'btn-primary'}">${p.published ? a(l, 'unpublish') : a(l, 'publish')}</button>
</form>
${data.variants.length ? '' : html`<p class="alert alert-info">${a(l, 'noVariantsWarning')}</p>`}
${productForm(l, base, state.product ?? emptyForm(productFormValues(p)), categories)}
${variantsSection(l, base, data, state.variant)}
${imagesSection(l, base, data, uploadMaxBytes, state.image)}
${deleteSection(l, base, state.confirmDelete ?? false)}`;
  return adminPage(req, { title: `${a(l, 'editProduct')}: ${l === 'en' ? p.name_en : p.name_ja}`, body, section: '/admin/products' });
}

function readOnlyView(req: FastifyRequest, data: AdminProduct): SafeHtml {
  const l = req.locale;
  const { product: p } = data;
  const body = html`<p class="cluster"><a href="/admin/products">${a(l, 'back')}</a>${p.published ? html`<a href="/p/${p.slug}">${a(l, 'viewInStore')}</a>` : ''}</p>
<p><span class="status">${p.published ? a(l, 'published') : a(l, 'draft')}</span></p>
${variantTable(l, `/admin/products/${p.id}`, data, false)}`;
  return adminPage(req, { title: l === 'en' ? p.name_en : p.name_ja, body, section: '/admin/products' });
}

function variantTable(l: Locale, base: string, data: AdminProduct, editable: boolean): SafeHtml {
  if (!data.variants.length) return html``;
  return html`<div class="table-scroll"><table class="table"><thead><tr><th scope="col">${a(l, 'sku')}</th><th scope="col">${a(l, 'name')}</th><th scope="col" class="num">${a(l, 'price')}</th><th scope="col" class="num">${a(l, 'stock')}</th>${editable ? html`<th scope="col">${a(l, 'actions')}</th>` : ''}</tr></thead>
<tbody>${data.variants.map(
    (v) => html`<tr><td>${v.sku}${v.jan_code ? html`<br><span class="small muted">JAN ${v.jan_code}</span>` : ''}</td><td>${l === 'en' ? v.name_en : v.name_ja}</td><td class="num">${formatYen(v.price, l)}</td>
<td class="num">${v.stock} ${stockState(v.stock) === 'in_stock' ? '' : stockLabel(l, stockState(v.stock))}</td>${editable ? html`<td><a href="${base}/variants/${v.id}">${a(l, 'edit')}<span class="visually-hidden"> ${v.sku}</span></a></td>` : ''}</tr>`,
  )}</tbody></table></div>`;
}

function variantsSection(l: Locale, base: string, data: AdminProduct, form: FormState | undefined): SafeHtml {
  const f = { form: form ?? emptyForm({ stock: '0' }), prefix: 'variant' };
  return html`<section aria-labelledby="variants-heading"><h2 id="variants-heading">${a(l, 'variants')}</h2>
${variantTable(l, base, data, true)}
<h3 id="add-variant">${a(l, 'addVariant')}</h3>
${errorSummary(l, form, 'variant')}
<form method="post" action="${base}/variants" novalidate aria-labelledby="add-variant">
  ${variantIdentityFields(l, f.form)}
  <div class="form-row">
    ${inputField({ ...f, name: 'price', label: a(l, 'priceYen'), required: true, inputmode: 'numeric' })}
    ${inputField({ ...f, name: 'stock', label: a(l, 'initialStock'), required: true, inputmode: 'numeric' })}
  </div>
  <button type="submit" class="btn-primary">${a(l, 'addVariant')}</button>
</form></section>`;
}

function imagesSection(l: Locale, base: string, data: AdminProduct, maxBytes: number, form: FormState | undefined): SafeHtml {
  const f = { form: form ?? emptyForm(), prefix: 'image' };
  const max = Math.floor((maxBytes / 1024 / 1024) * 10) / 10;
  const fileError = f.form.errors.file;
  return html`<section aria-labelledby="images-heading"><h2 id="images-heading">${a(l, 'images')}</h2>
${data.images.length
  ? html`<ul class="grid admin-images">${data.images.map(
      (i, n) => html`<li class="card"><img src="${mediaUrl(i.file_name)}" alt="${(l === 'en' ? i.alt_en : i.alt_ja) || ''}" width="200" height="200" loading="lazy">
<div class="cluster">${n > 0 ? html`<form method="post" action="${base}/images/${i.id}/move"><input type="hidden" name="direction" value="up"><button type="submit" class="btn-secondary">${a(l, 'imageEarlier')}</button></form>` : ''}${n < data.images.length - 1 ? html`<form method="post" action="${base}/images/${i.id}/move"><input type="hidden" name="direction" value="down"><button type="submit" class="btn-secondary">${a(l, 'imageLater')}</button></form>` : ''}</div>
<form method="post" action="${base}/images/${i.id}/delete"><button type="submit" class="btn-danger">${a(l, 'deleteImage')}</button></form></li>`,
    )}</ul>`
  : html`<p class="muted">${a(l, 'noImages')}</p>`}
<h3 id="upload-image">${a(l, 'uploadImage')}</h3>
${errorSummary(l, form, 'image')}
<form method="post" action="${base}/images" enctype="multipart/form-data" aria-labelledby="upload-image">
  <div class="form-row">
    ${inputField({ ...f, name: 'alt_ja', label: a(l, 'altJa'), maxlength: 200 })}
    ${inputField({ ...f, name: 'alt_en', label: a(l, 'altEn'), maxlength: 200 })}
  </div>
  <div class="field"><label for="image-file">${a(l, 'imageFile')}</label>
    <input id="image-file" name="file" type="file" accept="image/jpeg,image/png,image/webp" required aria-describedby="image-file-hint${fileError ? ' image-file-error' : ''}"${fileError ? html` aria-invalid="true"` : ''}>
    <p class="hint" id="image-file-hint">${a(l, 'imageHint', { max })}</p>
    ${fileError ? html`<p class="field-error" id="image-file-error">${fileError}</p>` : ''}
  </div>
  <button type="submit" class="btn-primary">${a(l, 'uploadImage')}</button>
</form></section>`;
}

function deleteSection(l: Locale, base: string, confirm: boolean): SafeHtml {
  return html`<section aria-labelledby="delete-heading"><h2 id="delete-heading">${a(l, 'dangerZone')}</h2>
${confirm
  ? html`<p class="alert alert-error" role="alert" id="delete-warning">${a(l, 'hasOrders')}</p>
<div class="actions">
  <form method="post" action="${base}/publish"><input type="hidden" name="published" value="0"><button type="submit" class="btn-primary">${a(l, 'unpublish')}</button></form>
  <form method="post" action="${base}/delete"><input type="hidden" name="confirm" value="1"><button type="submit" class="btn-danger">${a(l, 'deleteAnyway')}</button></form>
</div>`
  : html`<p class="hint">${a(l, 'deleteHint')}</p>
<form method="post" action="${base}/delete"><button type="submit" class="btn-danger">${a(l, 'deleteProduct')}</button></form>`}
</section>`;
}
