import { formValues, successAlert } from '../platform/http/form-fields.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { adminPage } from '../admin/layout.ts';
import { AppError } from '../platform/http/errors.ts';
import { parseInput } from '../platform/http/forms.ts';
import { html } from '../platform/http/html.ts';
import { redirectAfterPost, sendHtml } from '../platform/http/reply.ts';
import type { RouteModule, Services } from '../services.ts';
import { emptyForm, errorSummary, inputField, type FormState } from './admin-fields.ts';
import { a } from './admin-messages.ts';
import { variantIdentityFields } from './admin-variant-fields.ts';
import { idParam, noticeFor, renderEditor } from './admin-products.ts';
import { isUniqueViolation, newVariantSchema, stockAdjustSchema, variantSchema } from './admin-schemas.ts';

type Params = { Params: { id: string; vid: string } };

export const variantAdminRoutes: RouteModule = (app, s) => {
  const { db } = s.ctx;
  const write = { config: { permission: 'catalog.write' as const } };
  const writeJan = { config: { ...write.config, cardGuard: { jan_code: 'jan' as const } } }; // T2: a valid JAN code is not a card number

  app.post<{ Params: { id: string } }>('/products/:id/variants', writeJan, async (req, reply) => {
    const id = idParam(req.params.id);
    const product = await db.selectFrom('product').select('id').where('id', '=', id).executeTakeFirst();
    if (!product) throw new AppError('not_found');
    const parsed = parseInput(newVariantSchema, req.body, req.locale);
    const rerender = (errors: Record<string, string>) => renderEditor(req, reply, s, id, { variant: { values: formValues(req.body), errors } }, 422);
    if (!parsed.ok) return rerender(parsed.errors);
    try {
      await s.catalog.write(async (trx) => {
        const { next } = await trx.selectFrom('variant').select(sql<number>`coalesce(max(position), -1) + 1`.as('next')).where('product_id', '=', id).executeTakeFirstOrThrow();
        await trx.insertInto('variant').values({ ...parsed.data, product_id: id, position: next }).execute();
      });
    } catch (err) {
      if (!isUniqueViolation(err, 'sku')) throw err;
      return rerender({ sku: a(req.locale, 'skuTaken') });
    }
    return redirectAfterPost(reply, `/admin/products/${id}?saved=1#variants-heading`);
  });

  app.get<Params>('/products/:id/variants/:vid', write, async (req, reply) => {
    const v = await loadVariant(s, req);
    return variantPage(req, reply, v, { values: { sku: v.sku, name_ja: v.name_ja, name_en: v.name_en, price: String(v.price), jan_code: v.jan_code ?? '' }, errors: {} }, emptyForm());
  });

  app.post<Params>('/products/:id/variants/:vid', writeJan, async (req, reply) => {
    const v = await loadVariant(s, req);
    const parsed = parseInput(variantSchema, req.body, req.locale);
    if (!parsed.ok) return variantPage(req, reply, v, { values: formValues(req.body), errors: parsed.errors }, emptyForm(), 422);
    try {
      await s.catalog.write((trx) => trx.updateTable('variant').set(parsed.data).where('id', '=', v.id).execute());
    } catch (err) {
      if (!isUniqueViolation(err, 'sku')) throw err;
      return variantPage(req, reply, v, { values: formValues(req.body), errors: { sku: a(req.locale, 'skuTaken') } }, emptyForm(), 422);
    }
    return redirectAfterPost(reply, `/admin/products/${v.product_id}?saved=1#variants-heading`);
  });

  app.post<Params>('/products/:id/variants/:vid/stock', write, async (req, reply) => {
    const v = await loadVariant(s, req);
    const values = { sku: v.sku, name_ja: v.name_ja, name_en: v.name_en, price: String(v.price), jan_code: v.jan_code ?? '' };
    const parsed = parseInput(stockAdjustSchema, req.body, req.locale);
    if (!parsed.ok) return variantPage(req, reply, v, emptyForm(values), { values: formValues(req.body), errors: parsed.errors }, 422);
    const { delta } = parsed.data;
    // One conditional UPDATE relative to the current stock: it cannot undo units a checkout took meanwhile.
    const res = await s.catalog.write((trx) =>
      trx.updateTable('variant').set({ stock: sql`stock + ${delta}` }).where('id', '=', v.id).where(sql<boolean>`stock + ${delta} >= 0`).executeTakeFirst(),
    );
    if (Number(res.numUpdatedRows) !== 1) {
      const now = await db.selectFrom('variant').select('stock').where('id', '=', v.id).executeTakeFirstOrThrow();
      return variantPage(req, reply, { ...v, stock: now.stock }, emptyForm(values), { values: formValues(req.body), errors: { delta: a(req.locale, 'stockNegative', { stock: now.stock }) } }, 422);
    }
    return redirectAfterPost(reply, `/admin/products/${v.product_id}/variants/${v.id}?stock=1`);
  });

  app.post<Params>('/products/:id/variants/:vid/delete', write, async (req, reply) => {
    const v = await loadVariant(s, req);
    await s.catalog.write((trx) => trx.deleteFrom('variant').where('id', '=', v.id).execute());
    return redirectAfterPost(reply, `/admin/products/${v.product_id}?deleted=1#variants-heading`);
  });
};

async function loadVariant(s: Services, req: FastifyRequest<Params>) {
  const v = await s.ctx.db
    .selectFrom('variant as v')
    .innerJoin('product as p', 'p.id', 'v.product_id')
    .select(['v.id', 'v.product_id', 'v.sku', 'v.name_ja', 'v.name_en', 'v.price', 'v.stock', 'v.jan_code', 'p.name_ja as product_ja', 'p.name_en as product_en'])
    .where('v.id', '=', idParam(req.params.vid))
    .where('v.product_id', '=', idParam(req.params.id))
    .executeTakeFirst();
  if (!v) throw new AppError('not_found');
  return v;
}
type LoadedVariant = Awaited<ReturnType<typeof loadVariant>>;

function variantPage(req: FastifyRequest, reply: FastifyReply, v: LoadedVariant, form: FormState, stockForm: FormState, status = 200) {
  const l = req.locale;
  const base = `/admin/products/${v.product_id}/variants/${v.id}`;
  const f = { form, prefix: 'variant' };
  const body = html`<p><a href="/admin/products/${v.product_id}">${l === 'en' ? v.product_en : v.product_ja}</a></p>
${successAlert(noticeFor(req))}
${errorSummary(l, form, 'variant')}
<form method="post" action="${base}" novalidate>
  ${variantIdentityFields(l, f.form)}
  ${inputField({ ...f, name: 'price', label: a(l, 'priceYen'), required: true, inputmode: 'numeric' })}
  <button type="submit" class="btn-primary">${a(l, 'save')}</button>
</form>
<section aria-labelledby="stock-heading"><h2 id="stock-heading">${a(l, 'stockAdjust')}</h2>
<p>${a(l, 'stock')}: <strong>${v.stock}</strong></p>
<p class="hint">${a(l, 'stockEditNote')}</p>
${errorSummary(l, stockForm, 'stock')}
<form method="post" action="${base}/stock" novalidate class="filters">
  ${inputField({ form: stockForm, prefix: 'stock', name: 'delta', label: a(l, 'stockDelta'), hint: a(l, 'stockDeltaHint'), required: true })}
  <button type="submit" class="btn-secondary">${a(l, 'stockAdjust')}</button>
</form></section>
<section aria-labelledby="variant-delete"><h2 id="variant-delete">${a(l, 'deleteVariant')}</h2>
<form method="post" action="${base}/delete"><button type="submit" class="btn-danger">${a(l, 'deleteVariant')}</button></form></section>`;
  return sendHtml(reply, adminPage(req, { title: a(l, 'editVariant'), body, section: '/admin/products' }), status);
}
