import type { FastifyReply } from 'fastify';
import type { SafeHtml } from './html.ts';

/** Sends a rendered page. Pages may show personal data, so they stay out of shared caches. */
export function sendHtml(reply: FastifyReply, page: SafeHtml | string, status = 200) {
  return reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(String(page));
}

/** Post/Redirect/Get after a successful form submission. */
export function redirectAfterPost(reply: FastifyReply, location: string) {
  return reply.code(303).header('location', location).send();
}
