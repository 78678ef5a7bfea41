import multipart from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { can } from '../platform/permissions.ts';
import { multipartCardScreen } from '../platform/card-numbers/card-guard.ts';
import { checkMultipartText } from '../platform/http/request-bytes.ts';
import { redirectAfterPost, sendHtml } from '../platform/http/reply.ts';
import type { RouteModule, Services } from '../services.ts';
import { maxImportBytes } from './columns.ts';
import { applyPlan } from './apply.ts';
import { decodeCsv, encodeCsv } from './encoding.ts';
import { exportProductsCsv } from './export.ts';
import { m } from './messages.ts';
import { parseProductCsv } from './parse.ts';
import { planImport, type ImportPlan } from './plan.ts';
import { csvPage, type CsvPageState } from './views.ts';

/** A checked upload may be applied for this long. */
const keepHours = 24;

class PlanHasErrors extends Error {
  constructor(readonly plan: ImportPlan) {
    super('plan has errors');
  }
}

type Upload = { ok: true; bytes: Buffer; fileName: string } | { ok: false; error: 'fileRequired' | 'fileTooLarge' };

async function readCsvUpload(req: FastifyRequest): Promise<Upload> {
  let bytes: Buffer | null = null;
  let fileName = '';
  const cardScreen = multipartCardScreen(req); // T2: field values and the file name are screened; cells are checked row by row
  try {
    for await (const part of req.parts({ limits: { fileSize: maxImportBytes, files: 1, fields: 2, fieldSize: 200, parts: 3 } })) {
      checkMultipartText(req, part.fieldname, part.type === 'field' ? part.value : part.filename);
      if (part.type === 'field') cardScreen.field(part.fieldname, part.value);
      else {
        cardScreen.file(part.fieldname, part.filename);
        if (part.fieldname === 'file' && bytes === null) {
          bytes = await part.toBuffer();
          fileName = part.filename.slice(0, 200);
        } else part.file.resume();
      }
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') return { ok: false, error: 'fileTooLarge' };
    if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') return { ok: false, error: 'fileRequired' };
    throw err;
  }
  await cardScreen.check();
  if (!bytes || bytes.length === 0) return { ok: false, error: 'fileRequired' };
  return { ok: true, bytes, fileName: fileName || 'products.csv' };
}

function show(req: FastifyRequest, reply: FastifyReply, state: CsvPageState, status = 200) {
  return sendHtml(reply, csvPage(req, state, !!req.staff && can(req.staff.role, 'catalog.write')), status);
}

async function loadImport(s: Services, req: FastifyRequest, id: number) {
  return s.ctx.db
    .selectFrom('catalog_import')
    .selectAll()
    .where('id', '=', id)
    .where('staff_id', '=', req.staff!.id) // T4: only the operator who checked a file can apply it
    .where('applied_at', 'is', null)
    .where('created_at', '>', new Date(Date.now() - keepHours * 3600_000))
    .executeTakeFirst();
}

/** Issue 16: product CSV export and import with a dry run (docs: README "Product CSV"). */
export const catalogCsvAdminRoutes: RouteModule = (app, s) => {
  const read = { config: { permission: 'catalog.read' as const } };
  const write = { config: { permission: 'catalog.write' as const } };

  app.get('/products/csv', read, async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const counts = /^\d+\.\d+\.\d+\.\d+$/.test(q.applied ?? '') ? q.applied!.split('.').map(Number) : null;
    const notice = counts ? m(req.locale, 'applied', { create_product: counts[0]!, add_variant: counts[1]!, update: counts[2]!, unchanged: counts[3]! }) : undefined;
    return show(req, reply, { notice });
  });

  app.get('/products/csv/export', read, async (req, reply) => {
    const encoding = (req.query as { encoding?: string }).encoding === 'cp932' ? 'cp932' : 'utf-8-bom';
    const body = encodeCsv(await exportProductsCsv(s.ctx.db), encoding);
    const day = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    return reply
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="products-${day}${encoding === 'cp932' ? '-sjis' : ''}.csv"`)
      .type(`text/csv; charset=${encoding === 'cp932' ? 'Shift_JIS' : 'utf-8'}`)
      .send(body);
  });

  // Multipart parsing exists only in this sub-context (as for product images).
  app.register(async (uploads) => {
    await uploads.register(multipart);
    uploads.post('/products/csv/check', write, async (req, reply) => {
      const l = req.locale;
      const upload = await readCsvUpload(req);
      if (!upload.ok) return show(req, reply, { fileError: m(l, upload.error) }, upload.error === 'fileTooLarge' ? 413 : 422);
      const { text, encoding } = decodeCsv(upload.bytes);
      const parsed = parseProductCsv(text);
      if (!parsed.ok) return show(req, reply, { fileError: m(l, parsed.problem, { detail: parsed.detail ? (parsed.problem === 'unreadable' ? ` (${parsed.detail})` : parsed.detail) : '' }) }, 422);
      const plan = await planImport(s.ctx.db, l, parsed.rows);
      await s.ctx.db.deleteFrom('catalog_import').where('created_at', '<', new Date(Date.now() - keepHours * 3600_000)).execute();
      const saved = await s.ctx.db.insertInto('catalog_import').values({ staff_id: req.staff!.id, file_name: upload.fileName, encoding, content: text }).returning('id').executeTakeFirstOrThrow();
      return show(req, reply, { check: { importId: saved.id, fileName: upload.fileName, encoding, plan } }, plan.counts.error ? 422 : 200);
    });
  });

  app.post('/products/csv/apply', write, async (req, reply) => {
    const l = req.locale;
    const id = Number((req.body as { import_id?: string } | undefined)?.import_id);
    const upload = Number.isInteger(id) && id > 0 ? await loadImport(s, req, id) : undefined;
    if (!upload) return show(req, reply, { fileError: m(l, 'expired') }, 422);
    const parsed = parseProductCsv(upload.content);
    if (!parsed.ok) return show(req, reply, { fileError: m(l, 'expired') }, 422);
    try {
      // One transaction: the plan is made again against the catalog as it is now, then every row is written, or none.
      const plan = await s.catalog.write(async (trx) => {
        const claimed = await trx.updateTable('catalog_import').set({ applied_at: new Date() }).where('id', '=', upload.id).where('applied_at', 'is', null).executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1) throw new PlanHasErrors({ rows: [], counts: { create_product: 0, add_variant: 0, update: 0, unchanged: 0, error: 1 } });
        const fresh = await planImport(trx, l, parsed.rows);
        if (fresh.counts.error) throw new PlanHasErrors(fresh);
        await applyPlan(trx, fresh);
        await trx.updateTable('catalog_import').set({ content: sql<string>`''` }).where('id', '=', upload.id).execute();
        return fresh;
      });
      const c = plan.counts;
      return redirectAfterPost(reply, `/admin/products/csv?applied=${c.create_product}.${c.add_variant}.${c.update}.${c.unchanged}`);
    } catch (err) {
      if (!(err instanceof PlanHasErrors)) throw err;
      if (!err.plan.rows.length) return show(req, reply, { fileError: m(l, 'expired') }, 422);
      return show(req, reply, { check: { importId: upload.id, fileName: upload.file_name, encoding: upload.encoding, plan: err.plan, refused: true } }, 422);
    }
  });
};
