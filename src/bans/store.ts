import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import type { DatabaseHandle } from '../platform/db/database.ts';
import { notify } from '../platform/db/database.ts';
import type { AllowScope, BanScope } from './tables.ts';

export interface Ban {
  scope: BanScope;
  /** An address (ip), a /24 or /64 network in CIDR form (network), an account's blind index, a card fingerprint, a cart owner key. */
  value: string;
  reason: string;
  /** Shown on the 403 page: a blocked shopper can quote it to the shop. */
  ref: string;
  createdAt: Date;
  until: Date;
  createdBy: string;
  offences: number;
}

export interface AllowEntry {
  cidr: string;
  note: string;
  /** network (cidr is a CIDR or address) or a scope beyond the network (cidr is the value as bans store it). */
  scope: AllowScope;
}

/** Where bans live: Redis with REDIS_URL (every instance sees a ban at once), else the database. */
export interface BanStore {
  readonly kind: 'redis' | 'database';
  add(ban: Omit<Ban, 'ref' | 'createdAt' | 'offences'>, offenceWindowMs: number): Promise<Ban>;
  remove(scope: BanScope, value: string): Promise<number>;
  active(now?: Date): Promise<Ban[]>;
  /** Bans of this value within the window (the repeat-offender count, this one included once added). */
  offences(scope: BanScope, value: string, windowMs: number): Promise<number>;
  /** Called when any instance changed the bans; returns an unsubscribe function. */
  onChange(fn: () => void): Promise<() => Promise<void>>;
  allowList(): Promise<AllowEntry[]>;
  allow(cidr: string, note: string, scope?: AllowScope): Promise<void>;
  unallow(cidr: string, scope?: AllowScope): Promise<number>;
  close(): Promise<void>;
}

export const newRef = () => randomBytes(5).toString('hex').toUpperCase();
const channel = 'omamori_bans';

export class DatabaseBanStore implements BanStore {
  readonly kind = 'database';
  constructor(private readonly database: DatabaseHandle) {}

  private get db() {
    return this.database.db;
  }

  async add(ban: Omit<Ban, 'ref' | 'createdAt' | 'offences'>, offenceWindowMs: number): Promise<Ban> {
    const offences = (await this.offences(ban.scope, ban.value, offenceWindowMs)) + 1;
    const row = await this.db
      .insertInto('security_ban')
      .values({ scope: ban.scope, value: ban.value, reason: ban.reason, ref: newRef(), until: ban.until, created_by: ban.createdBy, offences })
      .returningAll()
      .executeTakeFirstOrThrow();
    await notify(this.db, channel, 'add');
    return fromRow(row);
  }

  async remove(scope: BanScope, value: string): Promise<number> {
    const r = await this.db.updateTable('security_ban').set({ lifted_at: new Date() }).where('scope', '=', scope).where('value', '=', value).where('lifted_at', 'is', null).where('until', '>', new Date()).executeTakeFirst();
    await notify(this.db, channel, 'remove');
    return Number(r.numUpdatedRows);
  }

  async active(now = new Date()): Promise<Ban[]> {
    const rows = await this.db.selectFrom('security_ban').selectAll().where('lifted_at', 'is', null).where('until', '>', now).orderBy('created_at', 'desc').execute();
    return rows.map(fromRow);
  }

  async offences(scope: BanScope, value: string, windowMs: number): Promise<number> {
    const r = await this.db.selectFrom('security_ban').select(sql<number>`count(*)::int`.as('n')).where('scope', '=', scope).where('value', '=', value).where('created_at', '>', new Date(Date.now() - windowMs)).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  onChange(fn: () => void) {
    return this.database.listen(channel, () => fn());
  }

  async allowList(): Promise<AllowEntry[]> {
    return (await this.db.selectFrom('security_allow').select(['cidr', 'note', 'scope']).orderBy('scope').orderBy('cidr').execute()).map((r) => ({ cidr: r.cidr, note: r.note, scope: r.scope }));
  }

  async allow(cidr: string, note: string, scope: AllowScope = 'network') {
    await this.db.insertInto('security_allow').values({ cidr, note, scope }).onConflict((oc) => oc.columns(['scope', 'cidr']).doUpdateSet({ note })).execute();
    await notify(this.db, channel, 'allow');
  }

  async unallow(cidr: string, scope: AllowScope = 'network') {
    const r = await this.db.deleteFrom('security_allow').where('scope', '=', scope).where('cidr', '=', cidr).executeTakeFirst();
    await notify(this.db, channel, 'allow');
    return Number(r.numDeletedRows);
  }

  async close() {}
}

function fromRow(r: { scope: BanScope; value: string; reason: string; ref: string; created_at: Date; until: Date; created_by: string; offences: number }): Ban {
  return { scope: r.scope, value: r.value, reason: r.reason, ref: r.ref, createdAt: new Date(r.created_at), until: new Date(r.until), createdBy: r.created_by, offences: Number(r.offences) };
}

/**
 * Bans in one Redis hash per store (field `scope:value`, the ban as JSON) plus a publish on every
 * change, so each instance reloads its cache at once. The allow-list stays in the database (it is
 * configuration, changed rarely, and read on every refresh anyway).
 */
export class RedisBanStore implements BanStore {
  readonly kind = 'redis';
  private subscriber: Redis | null = null;
  private readonly db: DatabaseBanStore;

  constructor(private readonly redis: Redis, private readonly prefix: string, database: DatabaseHandle) {
    this.db = new DatabaseBanStore(database);
  }

  private key(s: string) {
    return `${this.prefix}${s}`;
  }

  async add(ban: Omit<Ban, 'ref' | 'createdAt' | 'offences'>, offenceWindowMs: number): Promise<Ban> {
    const offKey = this.key(`offences:${ban.scope}:${ban.value}`);
    const [[, n]] = (await this.redis.multi().incr(offKey).pexpire(offKey, offenceWindowMs).exec()) as [[unknown, number]];
    const full: Ban = { ...ban, ref: newRef(), createdAt: new Date(), offences: Number(n) };
    await this.redis.multi().hset(this.key('active'), `${ban.scope}:${ban.value}`, JSON.stringify(full)).publish(this.key('changed'), 'add').exec();
    return full;
  }

  async remove(scope: BanScope, value: string): Promise<number> {
    const n = await this.redis.hdel(this.key('active'), `${scope}:${value}`);
    await this.redis.publish(this.key('changed'), 'remove');
    return n;
  }

  async active(now = new Date()): Promise<Ban[]> {
    const all = await this.redis.hgetall(this.key('active'));
    const out: Ban[] = [];
    const expired: string[] = [];
    for (const [field, json] of Object.entries(all)) {
      const b = JSON.parse(json) as Ban;
      const ban = { ...b, createdAt: new Date(b.createdAt), until: new Date(b.until) };
      if (ban.until > now) out.push(ban);
      else expired.push(field);
    }
    if (expired.length) await this.redis.hdel(this.key('active'), ...expired);
    return out.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  }

  async offences(scope: BanScope, value: string): Promise<number> {
    return Number((await this.redis.get(this.key(`offences:${scope}:${value}`))) ?? 0);
  }

  async onChange(fn: () => void) {
    const sub = this.redis.duplicate();
    sub.on('error', () => {});
    try {
      await sub.subscribe(this.key('changed'));
    } catch (err) {
      sub.disconnect(); // the caller tries again with a new connection
      throw err;
    }
    this.subscriber?.disconnect();
    this.subscriber = sub;
    sub.on('message', () => fn());
    const unlisten = await this.db.onChange(fn);
    return async () => {
      await unlisten();
      sub.disconnect();
    };
  }

  allowList() {
    return this.db.allowList();
  }

  async allow(cidr: string, note: string, scope: AllowScope = 'network') {
    await this.db.allow(cidr, note, scope);
    await this.redis.publish(this.key('changed'), 'allow');
  }

  async unallow(cidr: string, scope: AllowScope = 'network') {
    const n = await this.db.unallow(cidr, scope);
    await this.redis.publish(this.key('changed'), 'allow');
    return n;
  }

  async close() {
    this.subscriber?.disconnect();
  }
}
