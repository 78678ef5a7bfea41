// The store the outside scanners attack (deploy/scan/run, issue 15): the real store plus two canary routes that are
// vulnerable ON PURPOSE, so a scanner that reports nothing is proven to have reached the app and to be able to find
// what it looks for. This file is run only by deploy/scan/run (node --import tsx); it is never bundled into
// dist/main.js, so no built store has these routes.
import { sql } from 'kysely';
import { startStore } from '../../src/app/boot.ts';
import { loadConfig } from '../../src/platform/config.ts';

const store = await startStore(loadConfig(), {
  testRoutes: (app, ctx) => {
    // Injectable on purpose (string-built SQL): sqlmap must report `id` here, or the harness is broken.
    app.get('/scan-canary/fruit', async (req, reply) => {
      const id = String((req.query as { id?: string }).id ?? '1');
      try {
        const rows = await sql.raw<{ v: string }>(`select v from (values (1, 'apple'), (2, 'pear')) as t(id, v) where id = ${id}`).execute(ctx.database.db);
        return reply.type('text/plain').send(rows.rows.map((r) => r.v).join(',') || 'none');
      } catch {
        return reply.type('text/plain').send('none'); // no 500: wapiti counts those
      }
    });
    // Reflected without escaping on purpose: wapiti's xss module must report `q` here.
    app.get('/scan-canary/echo', async (req, reply) => {
      const q = String((req.query as { q?: string }).q ?? 'hello');
      return reply.type('text/html; charset=utf-8').send(`<!doctype html><html><body><p>${q}</p><a href="/scan-canary/fruit?id=1">fruit</a></body></html>`);
    });
  },
});
console.log(`scan target ready: ${store.url} console ${store.adminUrl}/admin`);
const stop = () => void store.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
