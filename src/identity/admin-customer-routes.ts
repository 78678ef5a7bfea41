import { recordPersonalDataView } from '../audit/record.ts';
import { z } from 'zod';
import { adminPage } from '../admin/layout.ts';
import { can } from './permissions.ts';
import { AppError } from '../platform/http/errors.ts';
import { sendHtml } from '../platform/http/reply.ts';
import type { RouteModule } from '../services.ts';
import { listAddresses } from './addresses.ts';
import { customerDetail, searchCustomers } from './admin-customers.ts';
import { customerDetailPage, customerList } from './admin-customer-views.ts';
import { t } from './messages.ts';

const listQuery = z.object({
  q: z.preprocess((v) => (typeof v === 'string' ? v.normalize('NFKC').trim().slice(0, 100) : ''), z.string()),
  page: z.preprocess((v) => (typeof v === 'string' && /^\d{1,4}$/.test(v) ? Math.max(1, Number(v)) : 1), z.number()),
});

export const adminCustomerRoutes: RouteModule = (app, s) => {
  const { db } = s.ctx;

  app.get('/customers', { config: { permission: 'customers.read' } }, async (req, reply) => {
    const { q, page } = listQuery.parse(req.query ?? {});
    const result = await searchCustomers(db, { q, page });
    const body = customerList(req.locale, { q, page, ...result });
    return sendHtml(reply, adminPage(req, { title: t(req.locale, 'customersTitle'), body, section: '/admin/customers' }));
  });

  app.get('/customers/:id', { config: { permission: 'customers.read' } }, async (req, reply) => {
    const raw = (req.params as { id: string }).id;
    if (!/^[1-9]\d{0,8}$/.test(raw)) throw new AppError('not_found');
    const customer = await customerDetail(db, Number(raw));
    if (!customer) throw new AppError('not_found');
    const unmasked = can(req.staff!.role, 'customers.read_unmasked');
    // Principle 4: every view of unmasked personal data is recorded.
    if (unmasked) await recordPersonalDataView(db, { staff: req.staff!, object: { type: 'customer', id: customer.id }, fields: ['email', 'phone', 'addresses'], req });
    const body = customerDetailPage(req.locale, customer, await listAddresses(db, customer.id), unmasked);
    return sendHtml(reply, adminPage(req, { title: customer.name, body, section: '/admin/customers' }));
  });
};
