import type { FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../platform/http/html.ts';
import { t } from './messages.ts';
import type { Ban } from './store.ts';

export interface ShopContact {
  name: string;
  email: string;
  phone: string;
}

/**
 * The short 403 a banned client gets: a reference code and the shop's contact, so a shopper blocked by mistake
 * can reach a person. No layout, no database (the contact is cached in memory): it must cost next to nothing.
 */
export function sendBanned(req: FastifyRequest, reply: FastifyReply, ban: Pick<Ban, 'ref' | 'until'>, contact: ShopContact | null = null) {
  const l = req.locale;
  const until = ban.until.toISOString().slice(0, 16).replace('T', ' ');
  reply.code(403).header('cache-control', 'no-store').header('retry-after', String(Math.max(1, Math.ceil((ban.until.getTime() - Date.now()) / 1000))));
  if (req.url.startsWith('/api/') || (req.headers.accept ?? '').startsWith('application/json')) {
    return reply.send({ error: { code: 'banned', message: `${t(l, 'body')} ${t(l, 'until', { until })}`, reference: ban.ref, ...(contact ? { contact: { email: contact.email, phone: contact.phone } } : {}) } });
  }
  const reach = contact
    ? html`<p>${t(l, 'contactTo', { shop: contact.name })}</p><ul><li>${t(l, 'email')}: <a href="mailto:${contact.email}?subject=${encodeURIComponent(`${t(l, 'reference')} ${ban.ref}`)}">${contact.email}</a></li><li>${t(l, 'phone')}: <a href="tel:${contact.phone.replace(/[^\d+]/g, '')}">${contact.phone}</a></li></ul>`
    : '';
  const page = html`<!doctype html><html lang="${l}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${t(l, 'title')}</title></head><body><main><h1>${t(l, 'title')}</h1><p>${t(l, 'body')}</p><p>${t(l, 'until', { until })}</p><p>${t(l, 'contact')}</p><p>${t(l, 'reference')}: <strong>${ban.ref}</strong></p>${reach}</main></body></html>`;
  return reply.type('text/html; charset=utf-8').send(page.toString());
}
