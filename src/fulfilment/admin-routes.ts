import multipart from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { adminPage } from '../admin/layout.ts';
import { recordStaffAction } from '../audit/record.ts';
import { multipartCardScreen } from '../platform/card-numbers/card-guard.ts';
import { AppError } from '../platform/http/errors.ts';
import type { FieldErrors } from '../platform/http/forms.ts';
import { html } from '../platform/http/html.ts';
import { sendHtml } from '../platform/http/reply.ts';
import { checkMultipartText } from '../platform/http/request-bytes.ts';
import type { RouteModule, Services } from '../services.ts';
import { isCarrier } from '../shipping/carriers.ts';
import { isLabelFormat, type CarrierCodes } from './label-formats.ts';
import { countUnshipped, exportLabels, loadCodes, saveCodes, unshippedOrderIds } from './labels.ts';
import { m } from './messages.ts';
import { packingSlipsPdf } from './packing-slips.ts';
import { applyPlan, planTrackingImport, savePlan } from './tracking-import.ts';
import { appliedNotice, fulfilmentPage, previewPage, section } from './views.ts';

const maxUploadBytes = 1024 * 1024;

/** The ids of a selection (`ids` repeated, from the order list's checkboxes); junk is dropped, at most 5,000. */
export function idsOf(source: unknown): number[] | null {
  const raw = (source ?? {}) as Record<string, unknown>;
  const v = raw.ids;
  if (v === undefined) return null;
  const list = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string' && /^[1-9]\d{0,8}$/.test(x)).map(Number);
  return [...new Set(list)].slice(0, 5000);
}

function str(body: unknown, key: string, max = 40): string {
  const v = ((body ?? {}) as Record<string, unknown>)[key];
  return typeof v === 'string' ? v.normalize('NFKC').trim().slice(0, max) : '';
}

function parseCodes(body: unknown, l: FastifyRequest['locale']): { codes: CarrierCodes; errors: FieldErrors } {
  const codes = { yamatoCustomerCode: str(body, 'yamatoCustomerCode'), yamatoFreightNumber: str(body, 'yamatoFreightNumber'), sagawaCustomerCode: str(body, 'sagawaCustomerCode') };
  const errors: FieldErrors = {};
  if (!/^(\d{10,12})?$/.test(codes.yamatoCustomerCode)) errors.yamatoCustomerCode = m(l, 'codeInvalid', { digits: '10〜12' });
  if (!/^(\d{2})?$/.test(codes.yamatoFreightNumber)) errors.yamatoFreightNumber = m(l, 'codeInvalid', { digits: 2 });
  if (!/^(\d{12})?$/.test(codes.sagawaCustomerCode)) errors.sagawaCustomerCode = m(l, 'codeInvalid', { digits: 12 });
  return { codes, errors };
}

async function renderPage(s: Services, req: FastifyRequest, reply: FastifyReply, o: { ids: number[] | null; values?: Record<string, string>; errors?: FieldErrors; notice?: ReturnType<typeof html> }, status = 200) {
  const l = req.locale;
  const codes = await loadCodes(s.ctx.db);
  const values = { yamatoCustomerCode: codes.yamatoCustomerCode, yamatoFreightNumber: codes.yamatoFreightNumber, sagawaCustomerCode: codes.sagawaCustomerCode, ...o.values };
  const selection = o.ids ? { ids: o.ids, shippable: (await unshippedOrderIds(s.ctx.db, o.ids)).length } : null;
  const body = fulfilmentPage(l, { unshipped: await countUnshipped(s.ctx.db), selection, values, errors: o.errors ?? {}, notice: o.notice });
  return sendHtml(reply, adminPage(req, { title: m(l, 'title'), section, body }), status);
}

/**
 * Shipping work (issue 16): carriers' label CSVs through the guarded export (T4), one PDF of 納品書 for many orders,
 * and tracking numbers imported by CSV (dry run, then apply). For staff who pack and ship (`orders.write`).
 */
export const fulfilmentAdminRoutes: RouteModule = (app, s) => {
  const write = { config: { permission: 'orders.write' as const } };

  app.get('/fulfilment', write, async (req, reply) => renderPage(s, req, reply, { ids: idsOf(req.query) }));

  // T4: names, addresses and phones of many customers leave the store: fresh step-up, recorded, owners mailed.
  app.post('/fulfilment/labels', { config: { permission: 'orders.write', stepUp: true } }, async (req, reply) => {
    const l = req.locale;
    const ids = idsOf(req.body);
    const format = str(req.body, 'format');
    const { codes, errors } = parseCodes(req.body, l);
    if (!isLabelFormat(format)) errors.format = m(l, 'formatInvalid');
    const values = { format, ...codes };
    if (Object.keys(errors).length || !isLabelFormat(format)) return renderPage(s, req, reply, { ids, values, errors }, 422);
    // Only the numbers the form sent are remembered (a form without them keeps the saved ones).
    const sent = (k: string) => typeof (req.body as Record<string, unknown> | undefined)?.[k] === 'string';
    const saved = await loadCodes(s.ctx.db);
    const merged: CarrierCodes = {
      yamatoCustomerCode: sent('yamatoCustomerCode') ? codes.yamatoCustomerCode : saved.yamatoCustomerCode,
      yamatoFreightNumber: sent('yamatoFreightNumber') ? codes.yamatoFreightNumber : saved.yamatoFreightNumber,
      sagawaCustomerCode: sent('sagawaCustomerCode') ? codes.sagawaCustomerCode : saved.sagawaCustomerCode,
    };
    await saveCodes(s.ctx.db, merged);
    const orderIds = await unshippedOrderIds(s.ctx.db, ids ?? undefined);
    if (orderIds.length === 0) return renderPage(s, req, reply, { ids, values, errors: { format: m(l, 'nothingToShip') } }, 422);
    const max = s.ctx.config.exportMaxRows;
    if (orderIds.length > max) return renderPage(s, req, reply, { ids, values, errors: { format: m(l, 'tooMany', { max }) } }, 422);
    const file = await exportLabels(s, req.staff!, req, { format, orderIds, codes: merged });
    return reply
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="${file.filename}"`)
      .header('x-export-id', String(file.exportId))
      .header('x-label-replaced', String(file.replaced))
      .type(file.contentType)
      .send(file.body);
  });

  // Printing the slips shows full addresses: step-up and a recorded reveal of the orders printed (T4), as the single slip.
  app.post('/fulfilment/packing-slips', { config: { permission: 'orders.write', stepUp: true } }, async (req, reply) => {
    const l = req.locale;
    const ids = idsOf(req.body);
    const orderIds = ids ? [...new Set(ids)].slice(0, s.ctx.config.exportMaxRows) : await unshippedOrderIds(s.ctx.db);
    const max = s.ctx.config.exportMaxRows;
    if (orderIds.length === 0) return renderPage(s, req, reply, { ids, errors: { format: m(l, 'nothingToShip') } }, 422);
    if (orderIds.length > max) return renderPage(s, req, reply, { ids, errors: { format: m(l, 'tooMany', { max }) } }, 422);
    const orders = (await Promise.all(orderIds.map((id) => s.orders.byId(id)))).filter((o) => o !== null);
    await recordStaffAction(s.ctx.db, { staff: req.staff!, action: 'personal_data.view_unmasked', object: { type: 'order', id: null }, detail: { purpose: 'packing_slips', count: orders.length, order_ids: orders.map((o) => o.id).slice(0, 1000), fields: ['shipping.name', 'shipping.address', 'shipping.phone', 'note'] }, req });
    const shop = await s.shop.get();
    const pdf = await packingSlipsPdf(orders, { name: shop.name, seller: shop.seller, address: shop.address, phone: shop.phone, invoiceNumber: shop.invoice_number }, l);
    const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, '');
    return reply
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="packing-slips-${stamp}Z-staff${req.staff!.id}.pdf"`)
      .type('application/pdf')
      .send(Buffer.from(pdf));
  });

  app.post<{ Params: { id: string } }>('/fulfilment/tracking/:id/apply', write, async (req, reply) => {
    if (!/^[1-9]\d{0,8}$/.test(req.params.id)) throw new AppError('not_found');
    const result = await applyPlan(s, req.staff!, Number(req.params.id), req);
    return renderPage(s, req, reply, { ids: null, notice: appliedNotice(req.locale, result) });
  });

  // Multipart parsing exists only in this sub-context (as for product images).
  app.register(async (uploads) => {
    await uploads.register(multipart);
    uploads.post('/fulfilment/tracking', write, async (req, reply) => {
      const l = req.locale;
      const fields: Record<string, string> = {};
      let bytes: Buffer | null = null;
      let fileName = '';
      let tooLarge = false;
      const cardScreen = multipartCardScreen(req); // T2
      try {
        for await (const part of req.parts({ limits: { fileSize: maxUploadBytes, files: 1, fields: 4, fieldSize: 200, parts: 6 } })) {
          checkMultipartText(req, part.fieldname, part.type === 'field' ? part.value : part.filename);
          if (part.type === 'field') {
            cardScreen.field(part.fieldname, part.value);
            if (typeof part.value === 'string') fields[part.fieldname] = part.value;
          } else if (part.fieldname === 'file' && bytes === null) {
            cardScreen.file(part.fieldname, part.filename);
            fileName = part.filename;
            bytes = await part.toBuffer();
          } else part.file.resume();
        }
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'FST_REQ_FILE_TOO_LARGE') tooLarge = true;
        else if (code !== 'FST_INVALID_MULTIPART_CONTENT_TYPE') throw err;
      }
      await cardScreen.check();
      const carrier = isCarrier(fields.carrier ?? '') ? (fields.carrier as Parameters<typeof planTrackingImport>[2]) : null;
      const values = { carrier: fields.carrier ?? '' };
      if (tooLarge) return renderPage(s, req, reply, { ids: null, values, errors: { file: m(l, 'fileTooLarge') } }, 413);
      if (!bytes || bytes.length === 0) return renderPage(s, req, reply, { ids: null, values, errors: { file: m(l, 'fileRequired') } }, 422);
      const plan = await planTrackingImport(s.ctx.db, bytes, carrier, l);
      const ok = !plan.fileError && plan.errors.length === 0 && plan.changes.length > 0;
      const planId = ok ? await savePlan(s.ctx.db, req.staff!.id, fileName, plan) : null;
      const body = previewPage(l, plan, planId);
      return sendHtml(reply, adminPage(req, { title: m(l, 'previewTitle'), section, body }), plan.fileError || plan.errors.length ? 422 : 200);
    });
  });
};
