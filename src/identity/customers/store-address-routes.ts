import { formValues } from '../../platform/http/form-fields.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, errorMessage } from '../../platform/http/errors.ts';
import { parseInput } from '../../platform/http/forms.ts';
import { fillFromPostalCode, wantsPostalLookup } from '../../platform/http/postal-lookup.ts';
import { redirectAfterPost } from '../../platform/http/reply.ts';
import type { RouteModule } from '../../services.ts';
import { addAddress, addressFormSchema, deleteAddress, findAddress, listAddresses, maxAddresses, setDefaultAddress, updateAddress } from './addresses.ts';
import { t } from '../messages.ts';
import { addressBook, addressForm, addressValues } from './store-address-views.ts';
import { noticeContext, renderStore, requireCustomer } from './store-pages.ts';
import { notifyAddressChanged, type AddressChange } from '../notifications.ts';

const notices = { added: 'addressAdded', saved: 'addressSaved', deleted: 'addressDeleted', default: 'addressDefaultSet' } as const;

/** A positive integer id from the URL; anything else is simply not found. */
function addressId(req: FastifyRequest): number {
  const raw = (req.params as { id?: string }).id ?? '';
  const id = /^[1-9]\d{0,9}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id) || id > 2_147_483_647) throw new AppError('not_found');
  return id;
}

export const storeAddressRoutes: RouteModule = (app, s) => {
  const { db } = s.ctx;

  const signedIn = (req: FastifyRequest, reply: FastifyReply) => requireCustomer(req, reply);
  // Attribute-change rule: the customer hears of every change to where parcels go (a takeover often starts there).
  const notify = async (req: FastifyRequest, customerId: number, change: AddressChange) =>
    notifyAddressChanged(db, customerId, change, { ip: req.ip, userAgent: req.headers['user-agent'] }, await noticeContext(s));
  const author = (req: FastifyRequest) => {
    if (!req.customer) throw new AppError('unauthenticated');
    return req.customer;
  };

  app.get('/account/addresses', async (req, reply) => {
    const customer = signedIn(req, reply);
    if (!customer) return reply;
    const l = req.locale;
    const done = (req.query as Record<string, unknown>).done;
    const notice = typeof done === 'string' && done in notices ? t(l, notices[done as keyof typeof notices]) : null;
    return renderStore(s, req, reply, t(l, 'addressesTitle'), addressBook(l, await listAddresses(s.ctx, customer.id), notice));
  });

  app.get('/account/addresses/new', async (req, reply) => {
    if (!signedIn(req, reply)) return reply;
    const l = req.locale;
    return renderStore(s, req, reply, t(l, 'addAddress'), addressForm(l, { action: '/account/addresses', title: t(l, 'addAddress'), values: {}, errors: {}, alert: null }));
  });

  // T2: a card number typed into the form shows the form again with the message next to that field.
  const addAgain = (req: FastifyRequest, reply: FastifyReply, errors: Record<string, string>) => {
    const l = req.locale;
    if (!signedIn(req, reply)) return reply;
    return renderStore(s, req, reply, t(l, 'addAddress'), addressForm(l, { action: '/account/addresses', title: t(l, 'addAddress'), values: formValues(req.body), errors, alert: errorMessage('validation', l) }), 422);
  };
  app.post('/account/addresses', { config: { cardGuardForm: addAgain } }, async (req, reply) => {
    const customer = author(req);
    const l = req.locale;
    if (wantsPostalLookup(req.body)) {
      // The "address from postal code" button without script: the form again, filled in (nothing is saved).
      const values = formValues(req.body);
      const postalLookup = { ok: fillFromPostalCode(values) };
      return renderStore(s, req, reply, t(l, 'addAddress'), addressForm(l, { action: '/account/addresses', title: t(l, 'addAddress'), values, errors: {}, alert: null, postalLookup }));
    }
    const parsed = parseInput(addressFormSchema, req.body, l);
    const form = (alert: string, errors = {}) => addressForm(l, { action: '/account/addresses', title: t(l, 'addAddress'), values: formValues(req.body), errors, alert });
    if (!parsed.ok) return renderStore(s, req, reply, t(l, 'addAddress'), form(errorMessage('validation', l), parsed.errors), 422);
    const id = await addAddress(s.ctx, customer.id, parsed.data);
    if (id === null) return renderStore(s, req, reply, t(l, 'addAddress'), form(t(l, 'addressLimit', { max: maxAddresses })), 409);
    await notify(req, customer.id, 'added');
    return redirectAfterPost(reply, '/account/addresses?done=added');
  });

  app.get('/account/addresses/:id/edit', async (req, reply) => {
    const customer = signedIn(req, reply);
    if (!customer) return reply;
    const l = req.locale;
    const address = await findAddress(s.ctx, customer.id, addressId(req));
    if (!address) throw new AppError('not_found');
    return renderStore(s, req, reply, t(l, 'editAddress'), addressForm(l, { action: `/account/addresses/${address.id}`, title: t(l, 'editAddress'), values: addressValues(address), errors: {}, alert: null }));
  });

  app.post('/account/addresses/:id', async (req, reply) => {
    const customer = author(req);
    const l = req.locale;
    const id = addressId(req);
    if (wantsPostalLookup(req.body)) {
      if (!(await findAddress(s.ctx, customer.id, id))) throw new AppError('not_found');
      const values = formValues(req.body);
      const postalLookup = { ok: fillFromPostalCode(values) };
      return renderStore(s, req, reply, t(l, 'editAddress'), addressForm(l, { action: `/account/addresses/${id}`, title: t(l, 'editAddress'), values, errors: {}, alert: null, postalLookup }));
    }
    const parsed = parseInput(addressFormSchema, req.body, l);
    if (!parsed.ok) {
      if (!(await findAddress(s.ctx, customer.id, id))) throw new AppError('not_found');
      const body = addressForm(l, { action: `/account/addresses/${id}`, title: t(l, 'editAddress'), values: formValues(req.body), errors: parsed.errors, alert: errorMessage('validation', l) });
      return renderStore(s, req, reply, t(l, 'editAddress'), body, 422);
    }
    if (!(await updateAddress(s.ctx, customer.id, id, parsed.data))) throw new AppError('not_found');
    await notify(req, customer.id, 'updated');
    return redirectAfterPost(reply, '/account/addresses?done=saved');
  });

  app.post('/account/addresses/:id/default', async (req, reply) => {
    const customer = author(req);
    if (!(await setDefaultAddress(db, customer.id, addressId(req)))) throw new AppError('not_found');
    return redirectAfterPost(reply, '/account/addresses?done=default');
  });

  app.post('/account/addresses/:id/delete', async (req, reply) => {
    const customer = author(req);
    if (!(await deleteAddress(db, customer.id, addressId(req)))) throw new AppError('not_found');
    await notify(req, customer.id, 'deleted');
    return redirectAfterPost(reply, '/account/addresses?done=deleted');
  });
};
