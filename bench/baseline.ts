// The benchmark's yardstick: a bare Fastify route doing one primary-key SELECT on the same database.
import Fastify from 'fastify';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const app = Fastify({ logger: false });
app.get('/baseline/:id', async (req) => {
  const { rows } = await pool.query('select id, slug, name_ja, name_en from product where id = $1', [Number((req.params as { id: string }).id)]);
  return rows[0] ?? null;
});
const address = await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
console.log(`baseline listening ${address}`);
