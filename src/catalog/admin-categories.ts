import { formValues, successAlert } from '../platform/http/form-fields.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { adminPage } from '../admin/layout.ts';
import { can } from '../platform/permissions.ts';
import { AppError } from '../platform/http/errors.ts';
import { parseInput } from '../platform/http/forms.ts';
import { html } from '../platform/http/html.ts';
import { redirectAfterPost, sendHtml } from '../platform/http/reply.ts';
import type { RouteModule, Services } from '../services.ts';
import { emptyForm, errorSummary, inputField, type FormState } from './admin-fields.ts';
import { loadCategoryRows } from './admin-data.ts';
import { a } from './admin-messages.ts';
import { idParam, noticeFor } from './admin-products.ts';
import { categorySchema, isUniqueViolation } from './admin-schemas.ts';

export const categoryAdminRoutes: RouteModule = (app, s) => {
  const read = { config: { permission: 'catalog.read' as const } };
  const write = { config: { permission: 'catalog.write' as const } };

  app.get('/categories', read, async (req, reply) => listPage(req, reply, s, emptyForm({ position: '0' })));

  app.post('/categories', write, async (req, reply) => {
    const parsed = parseInput(categorySchema, req.body, req.locale);
    const rerender = (errors: Record<string, string>) => listPage(req, reply, s, { values: formValues(req.body), errors }, 422);
    if (!parsed.ok) return rerender(parsed.errors);
    try {
      await s.catalog.write((trx) => trx.insertInto('category').values(parsed.data).execute());
    } catch (err) {
      if (!isUniqueViolation(err, 'slug')) throw err;
      return rerender({ slug: a(req.locale, 'slugTaken') });
    }
    return redirectAfterPost(reply, '/admin/categories?saved=1');
  });

  app.get<{ Params: { id: string } }>('/categories/:id', write, async (req, reply) => {
    const row = await loadCategory(s, req.params.id);
    return editPage(req, reply, row.id, emptyForm({ slug: row.slug, name_ja: row.name_ja, name_en: row.name_en, position: String(row.position) }));
  });

  app.post<{ Params: { id: string } }>('/categories/:id', write, async (req, reply) => {
    const row = await loadCategory(s, req.params.id);
    const parsed = parseInput(categorySchema, req.body, req.locale);
    const rerender = (errors: Record<string, string>) => editPage(req, reply, row.id, { values: formValues(req.body), errors }, 422);
    if (!parsed.ok) return rerender(parsed.errors);
    try {
      await s.catalog.write((trx) => trx.updateTable('category').set(parsed.data).where('id', '=', row.id).execute());
    } catch (err) {
      if (!isUniqueViolation(err, 'slug')) throw err;
      return rerender({ slug: a(req.locale, 'slugTaken') });
    }
    return redirectAfterPost(reply, '/admin/categories?saved=1');
  });

  app.post<{ Params: { id: string } }>('/categories/:id/delete', write, async (req, reply) => {
    const row = await loadCategory(s, req.params.id);
    // Products are kept (category_id is set to null by the foreign key).
    await s.catalog.write((trx) => trx.deleteFrom('category').where('id', '=', row.id).execute());
    return redirectAfterPost(reply, '/admin/categories?deleted=1');
  });
};

async function loadCategory(s: Services, rawId: string) {
  const row = await s.ctx.db.selectFrom('category').selectAll().where('id', '=', idParam(rawId)).executeTakeFirst();
  if (!row) throw new AppError('not_found');
  return row;
}

function categoryFields(req: FastifyRequest, action: string, form: FormState) {
  const l = req.locale;
  const f = { form, prefix: 'category' };
  return html`${errorSummary(l, form, 'category')}
<form method="post" action="${action}" novalidate>
  <div class="form-row">
    ${inputField({ ...f, name: 'name_ja', label: a(l, 'categoryNameJa'), required: true, maxlength: 100 })}
    ${inputField({ ...f, name: 'name_en', label: a(l, 'categoryNameEn'), required: true, maxlength: 100 })}
  </div>
  <div class="form-row">
    ${inputField({ ...f, name: 'slug', label: a(l, 'slug'), hint: a(l, 'categorySlugHint'), required: true, maxlength: 64 })}
    ${inputField({ ...f, name: 'position', label: a(l, 'position'), hint: a(l, 'positionHint'), inputmode: 'numeric' })}
  </div>
  <button type="submit" class="btn-primary">${a(l, 'save')}</button>
</form>`;
}

async function listPage(req: FastifyRequest, reply: FastifyReply, s: Services, form: FormState, status = 200) {
  const l = req.locale;
  const rows = await loadCategoryRows(s.ctx.db);
  const canWrite = req.staff ? can(req.staff.role, 'catalog.write') : false;
  const body = html`${successAlert(noticeFor(req))}
${rows.length
  ? html`<div class="table-scroll"><table class="table"><thead><tr><th scope="col">${a(l, 'categoryName')}</th><th scope="col">${a(l, 'slug')}</th><th scope="col" class="num">${a(l, 'position')}</th><th scope="col" class="num">${a(l, 'productCount')}</th></tr></thead>
<tbody>${rows.map((c) => html`<tr><td>${canWrite ? html`<a href="/admin/categories/${c.id}">${l === 'en' ? c.name_en : c.name_ja}</a>` : l === 'en' ? c.name_en : c.name_ja}</td><td>${c.slug}</td><td class="num">${c.position}</td><td class="num">${c.products}</td></tr>`)}</tbody></table></div>`
  : html`<p class="muted">${a(l, 'noCategories')}</p>`}
${canWrite ? html`<h2>${a(l, 'newCategory')}</h2>${categoryFields(req, '/admin/categories', form)}` : ''}`;
  return sendHtml(reply, adminPage(req, { title: a(l, 'categories'), body, section: '/admin/categories' }), status);
}

function editPage(req: FastifyRequest, reply: FastifyReply, id: number, form: FormState, status = 200) {
  const l = req.locale;
  const body = html`<p><a href="/admin/categories">${a(l, 'back')}</a></p>
${categoryFields(req, `/admin/categories/${id}`, form)}
<section aria-labelledby="category-delete"><h2 id="category-delete">${a(l, 'deleteCategory')}</h2>
<p class="hint">${a(l, 'deleteCategoryHint')}</p>
<form method="post" action="/admin/categories/${id}/delete"><button type="submit" class="btn-danger">${a(l, 'deleteCategory')}</button></form></section>`;
  return sendHtml(reply, adminPage(req, { title: a(l, 'editCategory'), body, section: '/admin/categories' }), status);
}
