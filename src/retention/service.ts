import type { Kysely } from 'kysely';
import { appendAudit } from '../audit/chain.ts';
import { eraseCustomers, inactiveCustomers } from '../identity/customers/retention.ts';
import { anonymiseOrders, deleteOrders, ordersToAnonymise, ordersToDelete, sealErasedOrders } from '../orders/retention.ts';
import type { Config } from '../platform/config.ts';
import type { AppContext } from '../platform/context.ts';
import type { Database } from '../platform/db/schema.ts';
import type { Vault } from '../vault/index.ts';

export type RetentionConfig = Pick<Config, 'retentionCustomerInactiveDays' | 'retentionOrderDeleteYears'>;

export interface RetentionReport {
  dryRun: boolean;
  /** null: that rule is off. */
  customerCutoff: Date | null;
  orderDeleteCutoff: Date | null;
  customersErased: number;
  ordersAnonymised: number;
  ordersDeleted: number;
  mailDeleted: number;
}

const DAY = 86_400_000;

function yearsBefore(now: Date, years: number): Date {
  const d = new Date(now);
  d.setUTCFullYear(d.getUTCFullYear() - years);
  return d;
}

/** Mail kept in the outbox holds names and addresses too: old mail, and the mail of erased customers, goes. */
async function mailToDelete(db: Kysely<Database>, cutoff: Date, emailIndexes: string[]) {
  return db
    .selectFrom('mail_outbox')
    .select(['id', 'to_bidx', 'created_at'])
    .where('status', '!=', 'queued')
    .where((eb) => eb.or([eb('created_at', '<', cutoff), ...(emailIndexes.length ? [eb('to_bidx', 'in', emailIndexes)] : [])]))
    .execute();
}

function chunks<T>(xs: T[], n = 1000): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/**
 * One retention run (T3). With `dryRun` it only counts what would go. Otherwise everything happens in one
 * transaction together with its `retention.run` audit entry (counts and cut-offs, never a value): all or nothing.
 */
export async function runRetention(deps: { db: Kysely<Database>; vault: Vault; config: RetentionConfig }, opts: { dryRun: boolean; now?: Date }): Promise<RetentionReport> {
  const now = opts.now ?? new Date();
  const { db, vault, config } = deps;
  const customerCutoff = config.retentionCustomerInactiveDays > 0 ? new Date(now.getTime() - config.retentionCustomerInactiveDays * DAY) : null;
  const orderDeleteCutoff = config.retentionOrderDeleteYears > 0 ? yearsBefore(now, config.retentionOrderDeleteYears) : null;
  const customers = customerCutoff ? await inactiveCustomers(db, customerCutoff) : [];
  const anonymise = customerCutoff ? await ordersToAnonymise(db, { customerIds: customers.map((c) => c.id), cutoff: customerCutoff }) : [];
  const doomed = orderDeleteCutoff ? await ordersToDelete(db, orderDeleteCutoff) : [];
  const doomedSet = new Set(doomed);
  const toAnonymise = anonymise.filter((o) => !doomedSet.has(o.id));
  const mail = customerCutoff ? await mailToDelete(db, customerCutoff, customers.flatMap((c) => (c.emailIndex ? [c.emailIndex] : []))) : [];
  const report: RetentionReport = { dryRun: opts.dryRun, customerCutoff, orderDeleteCutoff, customersErased: customers.length, ordersAnonymised: toAnonymise.length, ordersDeleted: doomed.length, mailDeleted: mail.length };
  if (opts.dryRun) return report;

  const sealed = await sealErasedOrders(vault, toAnonymise.map((o) => o.id));
  return db.transaction().execute(async (trx) => {
    let ordersDeleted = 0;
    for (const ids of chunks(doomed)) ordersDeleted += await deleteOrders(trx, ids);
    // Customers first, re-checked inside the transaction: one who signed in or ordered meanwhile keeps
    // their account, and then their orders and mail too.
    const erased = new Set<number>();
    for (const ids of chunks(customers.map((c) => c.id))) for (const id of await eraseCustomers(trx, ids, customerCutoff!)) erased.add(id);
    const kept = new Set(customers.filter((c) => !erased.has(c.id)).map((c) => c.id));
    for (const o of toAnonymise) if (o.customerId !== null && kept.has(o.customerId)) sealed.delete(o.id);
    const ordersAnonymised = await anonymiseOrders(trx, sealed, now);
    const keptIndexes = new Set(customers.filter((c) => kept.has(c.id)).map((c) => c.emailIndex));
    const mailIds = mail.filter((m) => !(m.to_bidx && keptIndexes.has(m.to_bidx) && m.created_at >= customerCutoff!)).map((m) => m.id);
    let mailDeleted = 0;
    for (const ids of chunks(mailIds)) mailDeleted += Number((await trx.deleteFrom('mail_outbox').where('id', 'in', ids).executeTakeFirst()).numDeletedRows);
    const customersErased = erased.size;
    const done: RetentionReport = { ...report, customersErased, ordersAnonymised, ordersDeleted, mailDeleted };
    await appendAudit(trx, {
      actor: { type: 'system' },
      action: 'retention.run',
      object: { type: 'retention' },
      result: 'success',
      detail: {
        customers_erased: customersErased,
        orders_anonymised: ordersAnonymised,
        orders_deleted: ordersDeleted,
        mail_deleted: mailDeleted,
        customer_inactive_days: config.retentionCustomerInactiveDays,
        order_delete_years: config.retentionOrderDeleteYears,
      },
    });
    return done;
  });
}

/** The daily job (ctx.scheduler), when a retention period is configured. */
export function createRetention(ctx: AppContext): void {
  if (!ctx.config.retentionCustomerInactiveDays && !ctx.config.retentionOrderDeleteYears) return;
  ctx.scheduler.every('retention', DAY, async () => {
    const r = await runRetention(ctx, { dryRun: false });
    ctx.log.info({ customers: r.customersErased, ordersAnonymised: r.ordersAnonymised, ordersDeleted: r.ordersDeleted, mail: r.mailDeleted }, 'retention run');
  });
}

export function formatReport(r: RetentionReport): string {
  const verb = r.dryRun ? 'would be' : 'were';
  return [
    `retention ${r.dryRun ? 'dry run (nothing changed)' : 'run'}:`,
    `  customers inactive since ${r.customerCutoff ? r.customerCutoff.toISOString().slice(0, 10) : '(off: RETENTION_CUSTOMER_INACTIVE_DAYS=0)'}: ${r.customersErased} ${verb} erased`,
    `  orders whose personal data ${verb} erased (amounts, tax, dates, number and prefecture kept): ${r.ordersAnonymised}`,
    `  orders placed before ${r.orderDeleteCutoff ? r.orderDeleteCutoff.toISOString().slice(0, 10) : '(off: RETENTION_ORDER_DELETE_YEARS=0)'} ${verb} deleted: ${r.ordersDeleted}`,
    `  outbox mails ${verb} deleted: ${r.mailDeleted}`,
  ].join('\n');
}
