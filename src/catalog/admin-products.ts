import { formValues, successAlert } from '../platform/http/form-fields.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { adminPage } from '../admin/layout.ts';
import { can } from '../platform/permissions.ts';
import { formatYen, type Locale } from '../platform/i18n/index.ts';
import { AppError } from '../platform/http/errors.ts';
import { parseInput, validationMessages } from '../platform/http/forms.ts';
import { html } from '../platform/http/html.ts';
import { redirectAfterPost, sendHtml } from '../platform/http/reply.ts';
import type { RouteModule, Services } from '../services.ts';
import { emptyForm } from './admin-fields.ts';
import { listAdminProducts, loadAdminProduct, loadCategoryRows, productHasOrders, type AdminProductFilter } from './admin-data.ts';
import { a, type AdminKey } from './admin-messages.ts';
import { t } from './messages.ts';
import { productEditor, type EditorState } from './admin-product-page.ts';
import { productForm } from './admin-product-form.ts';
import { isUniqueViolation, productSchema, type ProductInput } from './admin-schemas.ts';
import { pagination, stockLabel } from './store-views.ts';
import { stockState } from './stock-state.ts';
import { removeUploads } from './uploads.ts';

/** A positive integer id from a URL segment, or a 404. */
export function idParam(raw: string): number {
  if (!/^\d{1,9}$/.test(raw) || Number(raw) === 0) throw new AppError('not_found');
  return Number(raw);
}

const notices: Record<string, AdminKey> = { saved: 'saved', published: 'nowPublished', unpublished: 'nowDraft', stock: 'stockAdjusted', deleted: 'deleted' };
/** The success notice named by the redirect after a post (e.g. ?saved=1). */
export function noticeFor(req: FastifyRequest): string | null {
  const query = req.query as Record<string, unknown>;
  const key = Object.keys(notices).find((k) => query[k] === '1');
  return key ? a(req.locale, notices[key]!) : null;
}

export async function renderEditor(req: FastifyRequest, reply: FastifyReply, s: Services, id: number, state: EditorState = {}, status = 200) {
  const [data, categories] = await Promise.all([loadAdminProduct(s.ctx.db, id), loadCategoryRows(s.ctx.db)]);
  if (!data) throw new AppError('not_found');
  return sendHtml(reply, productEditor(req, data, categories, s.ctx.config.uploadMaxBytes, { notice: noticeFor(req), ...state }), status);
}

const productRow = (d: ProductInput) => ({ ...d, updated_at: new Date() });

export const productAdminRoutes: RouteModule = (app, s) => {
  const { db } = s.ctx;
  const read = { config: { permission: 'catalog.read' as const } };
  const write = { config: { permission: 'catalog.write' as const } };

  app.get('/products', read, async (req, reply) => {
    const l = req.locale;
    const query = req.query as Record<string, string | undefined>;
    const filter: AdminProductFilter = {
      q: (query.q ?? '').slice(0, 100),
      categoryId: /^\d{1,9}$/.test(query.category ?? '') ? Number(query.category) : null,
      status: query.status === 'published' || query.status === 'draft' ? query.status : '',
      lowStock: query.stock === 'low',
      page: /^\d{1,5}$/.test(query.page ?? '') ? Math.max(1, Number(query.page)) : 1,
    };
    const [list, categories] = await Promise.all([listAdminProducts(db, filter), loadCategoryRows(db)]);
    const name = (r: { name_ja: string | null; name_en: string | null }) => (l === 'en' ? r.name_en : r.name_ja) ?? '';
    const body = html`${successAlert(noticeFor(req))}
${req.staff && can(req.staff.role, 'catalog.write') ? html`<p><a class="btn btn-primary" href="/admin/products/new">${a(l, 'newProduct')}</a> <a class="btn btn-secondary" href="/admin/products/csv">${a(l, 'csvLink')}</a></p>` : ''}
<form method="get" action="/admin/products" class="filters" role="search">
  <div class="field"><label for="f-q">${a(l, 'search')}</label><input id="f-q" name="q" type="search" value="${filter.q}" maxlength="100"></div>
  <div class="field"><label for="f-category">${a(l, 'category')}</label><select id="f-category" name="category"><option value="">${a(l, 'anyCategory')}</option>${categories.map((c) => html`<option value="${c.id}"${filter.categoryId === c.id ? html` selected` : ''}>${name(c)}</option>`)}</select></div>
  <div class="field"><label for="f-status">${a(l, 'status')}</label><select id="f-status" name="status">${(['', 'published', 'draft'] as const).map((v) => html`<option value="${v}"${filter.status === v ? html` selected` : ''}>${a(l, v || 'anyStatus')}</option>`)}</select></div>
  <div class="field"><label class="choice" for="f-stock"><input id="f-stock" type="checkbox" name="stock" value="low"${filter.lowStock ? html` checked` : ''}> ${a(l, 'lowStockOnly')}</label></div>
  <button type="submit" class="btn-secondary">${a(l, 'filter')}</button>
</form>
${list.rows.length
  ? html`<div class="table-scroll"><table class="table"><thead><tr><th scope="col">${a(l, 'name')}</th><th scope="col">${a(l, 'category')}</th><th scope="col" class="num">${a(l, 'price')}</th><th scope="col" class="num">${a(l, 'stock')}</th><th scope="col">${a(l, 'status')}</th></tr></thead>
<tbody>${list.rows.map(
      (r) => html`<tr><td><a href="/admin/products/${r.id}">${name(r)}</a><br><span class="small muted">${r.slug}</span></td>
<td>${(l === 'en' ? r.category_en : r.category_ja) ?? a(l, 'noCategory')}</td>
<td class="num">${r.price_from === null ? '—' : r.price_from === r.price_to ? formatYen(Number(r.price_from), l) : t(l, 'priceFromTo', { from: formatYen(Number(r.price_from), l), to: formatYen(Number(r.price_to), l) })}</td>
<td class="num">${r.min_stock === null ? '—' : html`${r.min_stock} ${stockState(Number(r.min_stock)) === 'in_stock' ? '' : stockLabel(l, stockState(Number(r.min_stock)))}`}</td>
<td><span class="status">${r.published ? a(l, 'published') : a(l, 'draft')}</span></td></tr>`,
    )}</tbody></table></div>`
  : html`<p class="alert alert-info">${a(l, 'noProducts')}</p>`}
${pagination(l, filter.page, list.pages, (n) => listHref(filter, n))}
<p class="small muted">${t(l, 'resultCount', { n: list.total })}</p>`;
    return sendHtml(reply, adminPage(req, { title: a(l, 'products'), body, section: '/admin/products' }));
  });

  app.get('/products/new', write, async (req, reply) => newProductPage(req, reply, s, emptyForm({ tax_class: 'reduced', position: '0' })));

  app.post('/products', write, async (req, reply) => {
    const parsed = await parseProduct(req, s);
    if (!parsed.ok) return newProductPage(req, reply, s, { values: formValues(req.body), errors: parsed.errors }, 422);
    try {
      const id = await s.catalog.write(async (trx) => (await trx.insertInto('product').values(productRow(parsed.data)).returning('id').executeTakeFirstOrThrow()).id);
      return redirectAfterPost(reply, `/admin/products/${id}?saved=1`);
    } catch (err) {
      if (!isUniqueViolation(err, 'slug')) throw err;
      return newProductPage(req, reply, s, { values: formValues(req.body), errors: { slug: a(req.locale, 'slugTaken') } }, 422);
    }
  });

  app.get<{ Params: { id: string } }>('/products/:id', read, async (req, reply) => renderEditor(req, reply, s, idParam(req.params.id)));

  app.post<{ Params: { id: string } }>('/products/:id', write, async (req, reply) => {
    const id = idParam(req.params.id);
    const parsed = await parseProduct(req, s);
    if (!parsed.ok) return renderEditor(req, reply, s, id, { product: { values: formValues(req.body), errors: parsed.errors } }, 422);
    try {
      const res = await s.catalog.write((trx) => trx.updateTable('product').set(productRow(parsed.data)).where('id', '=', id).executeTakeFirst());
      if (Number(res.numUpdatedRows) !== 1) throw new AppError('not_found');
    } catch (err) {
      if (!isUniqueViolation(err, 'slug')) throw err;
      return renderEditor(req, reply, s, id, { product: { values: formValues(req.body), errors: { slug: a(req.locale, 'slugTaken') } } }, 422);
    }
    return redirectAfterPost(reply, `/admin/products/${id}?saved=1`);
  });

  app.post<{ Params: { id: string }; Body: { published?: string } }>('/products/:id/publish', write, async (req, reply) => {
    const id = idParam(req.params.id);
    const published = req.body?.published === '1';
    const res = await s.catalog.write((trx) => trx.updateTable('product').set({ published, updated_at: new Date() }).where('id', '=', id).executeTakeFirst());
    if (Number(res.numUpdatedRows) !== 1) throw new AppError('not_found');
    return redirectAfterPost(reply, `/admin/products/${id}?${published ? 'published' : 'unpublished'}=1`);
  });

  app.post<{ Params: { id: string }; Body: { confirm?: string } }>('/products/:id/delete', write, async (req, reply) => {
    const id = idParam(req.params.id);
    // Order lines keep their own name and price, so deletion is allowed; but staff are steered to unpublishing.
    if (req.body?.confirm !== '1' && (await productHasOrders(db, id))) return renderEditor(req, reply, s, id, { confirmDelete: true }, 409);
    const files = await s.catalog.write(async (trx) => {
      const images = await trx.selectFrom('product_image').select('file_name').where('product_id', '=', id).execute();
      const res = await trx.deleteFrom('product').where('id', '=', id).executeTakeFirst();
      if (Number(res.numDeletedRows) !== 1) throw new AppError('not_found');
      return images.map((i) => i.file_name);
    });
    await removeUploads(s.ctx.config.dataDir, files);
    return redirectAfterPost(reply, '/admin/products?deleted=1');
  });
};

/** Validates the product form, including that the chosen category still exists. */
async function parseProduct(req: FastifyRequest, s: Services) {
  const parsed = parseInput(productSchema, req.body, req.locale);
  if (parsed.ok && parsed.data.category_id !== null) {
    const found = await s.ctx.db.selectFrom('category').select('id').where('id', '=', parsed.data.category_id).executeTakeFirst();
    if (!found) return { ok: false as const, errors: { category_id: validationMessages(req.locale, 'choice') } };
  }
  return parsed;
}

function listHref(f: AdminProductFilter, page: number): string {
  const p = new URLSearchParams();
  if (f.q) p.set('q', f.q);
  if (f.categoryId) p.set('category', String(f.categoryId));
  if (f.status) p.set('status', f.status);
  if (f.lowStock) p.set('stock', 'low');
  if (page > 1) p.set('page', String(page));
  const qs = p.toString();
  return qs ? `/admin/products?${qs}` : '/admin/products';
}

async function newProductPage(req: FastifyRequest, reply: FastifyReply, s: Services, form: ReturnType<typeof emptyForm>, status = 200) {
  const l: Locale = req.locale;
  const categories = await loadCategoryRows(s.ctx.db);
  const body = html`<p><a href="/admin/products">${a(l, 'back')}</a></p>${productForm(l, '/admin/products', form, categories)}`;
  return sendHtml(reply, adminPage(req, { title: a(l, 'newProduct'), body, section: '/admin/products' }), status);
}
