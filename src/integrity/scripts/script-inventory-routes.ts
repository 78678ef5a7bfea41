import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { adminPage } from '../../admin/layout.ts';
import { can } from '../../platform/permissions.ts';
import { errorSummary, inputField, textareaField } from '../../platform/http/form-fields.ts';
import { AppError } from '../../platform/http/errors.ts';
import { parseInput, type FieldErrors } from '../../platform/http/forms.ts';
import { html } from '../../platform/http/html.ts';
import { redirectAfterPost, sendHtml } from '../../platform/http/reply.ts';
import { formatDateTime } from '../../platform/i18n/index.ts';
import type { RouteModule, Services } from '../../services.ts';
import { t } from '../messages.ts';
import { firstPartyScripts, scriptPageGroups, type ScriptPageGroup } from './script-inventory.ts';

const section = '/admin/security/scripts';
const addSchema = z.object({
  url: z.string().trim().min(1).max(500),
  sha384: z.string().trim().min(1).max(120),
  owner: z.string().trim().min(1).max(100),
  justification: z.string().trim().min(1).max(1000),
});
type AddValues = Partial<Record<'url' | 'sha384' | 'owner' | 'justification', string>> & { pages?: string[] };

const idParam = (req: FastifyRequest) => {
  const raw = (req.params as { id: string }).id;
  if (!/^\d{1,15}$/.test(raw)) throw new AppError('not_found');
  return Number(raw);
};

/**
 * The script inventory (PCI DSS 6.4.3; T6): `security.read` sees it; adding, approving and removing a
 * third-party script are owners' acts with step-up, recorded in the audit trail.
 */
export const scriptInventoryAdminRoutes: RouteModule = (app, s) => {
  app.get('/security/scripts', { config: { permission: 'security.read' } }, async (req, reply) => render(s, req, reply, {}, {}));

  app.post('/security/scripts', { config: { permission: 'security.emergency', stepUp: true } }, async (req, reply) => {
    const l = req.locale;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const pagesRaw = body.pages === undefined ? [] : [body.pages].flat().map(String);
    const values: AddValues = { url: String(body.url ?? ''), sha384: String(body.sha384 ?? ''), owner: String(body.owner ?? ''), justification: String(body.justification ?? ''), pages: pagesRaw };
    const parsed = parseInput(addSchema, body, l);
    const errors: FieldErrors = parsed.ok ? {} : { ...parsed.errors };
    const pages = pagesRaw.filter((p): p is ScriptPageGroup => (scriptPageGroups as readonly string[]).includes(p));
    if (!pages.length || pages.length !== pagesRaw.length) errors.pages = t(l, 'choosePages');
    if (parsed.ok) {
      let url: URL | null = null;
      try {
        url = new URL(parsed.data.url);
      } catch {
        /* reported below */
      }
      // T6: only another host over https (our own files are first-party and come from the build)
      if (!url || url.protocol !== 'https:' || url.username || url.password || url.hostname === new URL(s.ctx.config.publicUrl).hostname) errors.url = t(l, 'httpsOnly');
      if (!/^sha384-[A-Za-z0-9+/]{64}$/.test(parsed.data.sha384)) errors.sha384 = t(l, 'sriFormat');
    }
    if (!parsed.ok || Object.keys(errors).length) return render(s, req, reply, values, errors, 422);
    const added = await s.scripts.add(req.staff!, { ...parsed.data, url: new URL(parsed.data.url).toString(), pages }, req);
    if (added === 'duplicate') return render(s, req, reply, values, { url: t(l, 'duplicateScript') }, 409);
    return redirectAfterPost(reply, `${section}?done=added`);
  });

  app.post('/security/scripts/:id/approve', { config: { permission: 'security.emergency', stepUp: true } }, async (req, reply) => {
    const result = await s.scripts.approve(req.staff!, idParam(req), req);
    if (result === 'not_found') throw new AppError('not_found');
    if (result === 'own_entry') return render(s, req, reply, {}, {}, 409, t(req.locale, 'approveOwnScript'));
    return redirectAfterPost(reply, `${section}?done=approved`);
  });

  app.post('/security/scripts/:id/remove', { config: { permission: 'security.emergency', stepUp: true } }, async (req, reply) => {
    if (!(await s.scripts.remove(req.staff!, idParam(req), req))) throw new AppError('not_found');
    return redirectAfterPost(reply, `${section}?done=removed`);
  });
};

const doneKey = { added: 'scriptAdded', approved: 'scriptApproved', removed: 'scriptRemoved' } as const;

async function render(s: Services, req: FastifyRequest, reply: FastifyReply, values: AddValues, errors: FieldErrors, status = 200, refusal?: string) {
  const l = req.locale;
  const owner = req.staff !== null && can(req.staff.role, 'security.emergency');
  const first = firstPartyScripts();
  const third = await s.scripts.list();
  const done = String((req.query as Record<string, unknown>).done ?? '');
  const pagesLabel = (pages: readonly ScriptPageGroup[]) => pages.map((p) => t(l, `pages_${p}`)).join(', ');
  const body = html`${refusal ? html`<p class="alert alert-error" role="alert" data-refused="own-script">${refusal}</p>` : ''}${done in doneKey ? html`<p class="alert alert-success" role="status">${t(l, doneKey[done as keyof typeof doneKey])}</p>` : ''}
<p class="muted">${t(l, 'scriptsIntro')}</p>
<h2>${t(l, 'firstParty')}</h2>
${first.length
  ? html`<div class="table-scroll"><table class="table scripts-first-party"><thead><tr><th scope="col">${t(l, 'scriptUrl')}</th><th scope="col">SHA-384</th><th scope="col">${t(l, 'pages')}</th></tr></thead>
<tbody>${first.map((f) => html`<tr><td><code>${f.url}</code></td><td><code class="small">${f.sha384 ?? '—'}</code></td><td>${t(l, 'allPayment')}</td></tr>`)}</tbody></table></div>`
  : html`<p>${t(l, 'noFirstParty')}</p>`}
<h2>${t(l, 'thirdParty')}</h2>
${third.length
  ? html`<div class="table-scroll"><table class="table scripts-third-party"><thead><tr><th scope="col">${t(l, 'scriptUrl')}</th><th scope="col">SHA-384</th><th scope="col">${t(l, 'pages')}</th><th scope="col">${t(l, 'scriptOwner')}</th><th scope="col">${t(l, 'justification')}</th><th scope="col">${t(l, 'addedBy')}</th><th scope="col">${t(l, 'approvedBy')}</th></tr></thead>
<tbody>${third.map(
      (x) => html`<tr data-script-state="${x.approvedAt ? 'approved' : 'pending'}"><td><code>${x.url}</code></td><td><code class="small">${x.sha384}</code></td><td>${pagesLabel(x.pages)}</td><td>${x.owner}</td><td>${x.justification}</td><td>${x.addedBy ?? '—'} ${formatDateTime(x.addedAt, l)}</td><td>${
        x.approvedAt ? html`${x.approvedBy ?? '—'} ${formatDateTime(x.approvedAt, l)}` : html`<strong>${t(l, 'pending')}</strong>${owner ? html`<form method="post" action="${section}/${x.id}/approve"><button type="submit" class="btn btn-secondary">${t(l, 'approve')}</button></form>` : ''}`
      }${owner ? html`<form method="post" action="${section}/${x.id}/remove"><button type="submit" class="btn-link">${t(l, 'removeScript')}</button></form>` : ''}</td></tr>`,
    )}</tbody></table></div>`
  : html`<p>${t(l, 'noThirdParty')}</p>`}
${owner
  ? html`<h2>${t(l, 'addScript')}</h2>
${errorSummary(errors, t(l, 'scriptsTitle'))}
<form method="post" action="${section}" class="stack narrow" novalidate>
<p class="small muted">${t(l, 'addHint')}</p>
${inputField({ name: 'url', label: t(l, 'scriptUrl'), value: values.url, errors, required: true, maxlength: 500 })}
${inputField({ name: 'sha384', label: 'SHA-384 (SRI)', value: values.sha384, errors, required: true, maxlength: 120 })}
<fieldset id="pages"${errors.pages ? html` aria-describedby="pages-error"` : ''}><legend>${t(l, 'pages')}</legend>
${errors.pages ? html`<p class="field-error" id="pages-error">${errors.pages}</p>` : ''}
${scriptPageGroups.map((g) => html`<label class="choice" for="pages-${g}"><input type="checkbox" id="pages-${g}" name="pages" value="${g}"${values.pages?.includes(g) ? html` checked` : ''}> ${t(l, `pages_${g}`)}</label>`)}
</fieldset>
${inputField({ name: 'owner', label: t(l, 'scriptOwner'), value: values.owner, errors, required: true, maxlength: 100 })}
${textareaField({ name: 'justification', label: t(l, 'justification'), value: values.justification, errors, required: true, rows: 3, maxlength: 1000 })}
<button type="submit" class="btn btn-primary">${t(l, 'addScript')}</button>
</form>`
  : ''}`;
  return sendHtml(reply, adminPage(req, { title: t(l, 'scriptsTitle'), section, body }), status);
}
