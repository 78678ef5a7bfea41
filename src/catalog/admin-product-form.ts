import type { Locale } from '../platform/i18n/index.ts';
import { html, type SafeHtml } from '../platform/http/html.ts';
import { checkboxField, errorSummary, inputField, radioGroup, selectField, textareaField, type FormState } from './admin-fields.ts';
import { a } from './admin-messages.ts';
import type { AdminProduct } from './admin-data.ts';

export type CategoryOption = { id: number; name_ja: string; name_en: string };

export function productFormValues(p: AdminProduct['product']): Record<string, string> {
  return {
    slug: p.slug,
    name_ja: p.name_ja,
    name_en: p.name_en,
    description_ja: p.description_ja,
    description_en: p.description_en,
    category_id: p.category_id ? String(p.category_id) : '',
    tax_class: p.tax_class,
    published: p.published ? 'on' : '',
    position: String(p.position),
    shipping_size: String(p.shipping_size),
  };
}

/** The product's own fields; used to create a product and at the top of the product editor. */
export function productForm(l: Locale, action: string, form: FormState, categories: CategoryOption[]): SafeHtml {
  const f = { form, prefix: 'product' };
  return html`${errorSummary(l, form, 'product')}
<form method="post" action="${action}" novalidate>
  <div class="form-row">
    ${inputField({ ...f, name: 'name_ja', label: a(l, 'nameJa'), required: true, maxlength: 200 })}
    ${inputField({ ...f, name: 'name_en', label: a(l, 'nameEn'), required: true, maxlength: 200 })}
  </div>
  ${inputField({ ...f, name: 'slug', label: a(l, 'slug'), hint: a(l, 'slugHint'), required: true, maxlength: 80 })}
  <div class="form-row">
    ${textareaField({ ...f, name: 'description_ja', label: a(l, 'descriptionJa'), rows: 6, maxlength: 5000 })}
    ${textareaField({ ...f, name: 'description_en', label: a(l, 'descriptionEn'), rows: 6, maxlength: 5000 })}
  </div>
  <div class="form-row">
    ${selectField({ ...f, name: 'category_id', label: a(l, 'category'), options: [{ value: '', label: a(l, 'noCategory') }, ...categories.map((c) => ({ value: String(c.id), label: l === 'en' ? c.name_en : c.name_ja }))] })}
    ${inputField({ ...f, name: 'position', label: a(l, 'position'), hint: a(l, 'positionHint'), inputmode: 'numeric' })}
  </div>
  ${radioGroup({ ...f, name: 'tax_class', label: a(l, 'taxClass'), required: true, options: [{ value: 'reduced', label: a(l, 'taxReduced') }, { value: 'standard', label: a(l, 'taxStandard') }] })}
  ${selectField({ ...f, name: 'shipping_size', label: a(l, 'shippingSize'), hint: a(l, 'shippingSizeHint'), options: [60, 80, 100, 120, 140, 160].map((s) => ({ value: String(s), label: a(l, 'sizeOption', { size: s }) })) })}
  ${checkboxField({ ...f, name: 'published', label: a(l, 'publishedLabel') })}
  <button type="submit" class="btn-primary">${a(l, 'save')}</button>
</form>`;
}
