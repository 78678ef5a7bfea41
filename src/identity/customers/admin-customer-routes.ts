import { recordPersonalDataView } from '../../audit/record.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { adminPage } from '../../admin/layout.ts';
import { can } from '../../platform/permissions.ts';
import { AppError } from '../../platform/http/errors.ts';
import { sendHtml } from '../../platform/http/reply.ts';
import type { RouteModule } from '../../services.ts';
import { listAddresses } from './addresses.ts';
import { customerDetail, searchCustomers } from './admin-customers.ts';
import { customerDetailPage, customerList, customerTitle } from './admin-customer-views.ts';
import { t } from '../messages.ts';

const listQuery = z.object({
  q: z.preprocess((v) => (typeof v === 'string' ? v.normalize('NFKC').trim().slice(0, 100) : ''), z.string()),
  page: z.preprocess((v) => (typeof v === 'string' && /^\d{1,4}$/.test(v) ? Math.max(1, Number(v)) : 1), z.number()),
});

export const adminCustomerRoutes: RouteModule = (app, s) => {
  const { db } = s.ctx;

  app.get('/customers', { config: { permission: 'customers.read' } }, async (req, reply) => {
    const { q, page } = listQuery.parse(req.query ?? {});
    const result = await searchCustomers(s.ctx, { q, page });
    const body = customerList(req.locale, { q, page, ...result });
    return sendHtml(reply, adminPage(req, { title: t(req.locale, 'customersTitle'), body, section: '/admin/customers' }));
  });

  // T4: masked for every role; the full record only in the response to the audited reveal below.
  app.get('/customers/:id', { config: { permission: 'customers.read' } }, async (req, reply) => renderCustomer(req, reply, false));

  app.post('/customers/:id/reveal', { config: { permission: 'customers.read_unmasked' } }, async (req, reply) => renderCustomer(req, reply, true));

  async function renderCustomer(req: FastifyRequest, reply: FastifyReply, reveal: boolean) {
    const raw = (req.params as { id: string }).id;
    if (!/^[1-9]\d{0,8}$/.test(raw)) throw new AppError('not_found');
    const customer = await customerDetail(s.ctx, Number(raw));
    if (!customer) throw new AppError('not_found');
    // Principle 4: every view of unmasked personal data is recorded, before it is rendered.
    if (reveal) await recordPersonalDataView(db, { staff: req.staff!, object: { type: 'customer', id: customer.id }, fields: ['name', 'name_kana', 'email', 'phone', 'addresses'], req });
    const view = { revealed: reveal, canReveal: can(req.staff!.role, 'customers.read_unmasked') };
    const body = customerDetailPage(req.locale, customer, await listAddresses(s.ctx, customer.id), view);
    return sendHtml(reply, adminPage(req, { title: customerTitle(customer, reveal), body, section: '/admin/customers' }));
  }
};
