import { randomBytes, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../platform/db/database.ts';
import { KEY_BYTES } from './aead.ts';
import { deriveIndexKey, indexToken, normalizeEmail, normalizePhone, prefixQuery, prefixTokens, type IndexName } from './blind-index.ts';
import { decryptField, describe, encryptField, parseCiphertext, type FieldRef } from './envelope.ts';
import { VaultError } from './errors.ts';
import type { KeyProvider } from './providers/types.ts';

export type { FieldRef } from './envelope.ts';

/** The scope of the blind-index root key (tables are lower-case identifiers, so it never clashes with one). */
export const INDEX_SCOPE = '_index';
/** NOTIFY channel: a key changed state (rotation), so other instances refresh their cache now. */
export const KEYS_CHANNEL = 'vault_keys';

const KCV_PLAIN = Buffer.alloc(KEY_BYTES, 0);
const kcvAad = (kekId: string) => Buffer.from(JSON.stringify(['omamori-kcv-v1', kekId]), 'utf8');
export const dekAad = (scope: string, version: number, purpose: 'data' | 'index') => Buffer.from(JSON.stringify(['omamori-dek-v1', scope, version, purpose]), 'utf8');

interface CachedKey {
  id: number;
  scope: string;
  version: number;
  state: 'active' | 'decrypt_only' | 'retired';
  key: Buffer | null;
}

export interface VaultOptions {
  db: Db;
  provider: KeyProvider;
  /** Subscribes to key changes from other instances (DatabaseHandle.listen). */
  listen?: (channel: string, fn: (payload: string) => void) => Promise<() => Promise<void>>;
  /** How long an instance trusts its cached "active key" before re-reading it (default 5 s). */
  refreshMs?: number;
  /** The database kind (the rotation locks the table on PostgreSQL). */
  kind?: 'pglite' | 'postgres';
}

/**
 * Field encryption with per-table data keys (envelope encryption).
 *
 * Why per table and versioned rather than per record: a per-record key would need a wrapped key beside every row
 * and one unwrap (a KMS call) per row read; per-table keys are unwrapped once at start, a leaked key exposes one
 * table, and versions let a rotation re-encrypt while the store serves. AES-256-GCM with random 96-bit IVs stays
 * far within NIST's 2³² messages per key for a shop's volume, and each rotation starts a fresh key.
 */
export class Vault {
  private keys = new Map<number, CachedKey>();
  private active = new Map<string, { id: number; checkedAt: number }>();
  private indexRoot: Buffer | null = null;
  private indexKeys = new Map<string, Buffer>();
  private unlisten: (() => Promise<void>) | null = null;
  readonly refreshMs: number;
  readonly kind: 'pglite' | 'postgres';

  private constructor(
    readonly db: Db,
    readonly provider: KeyProvider,
    refreshMs: number,
    kind: 'pglite' | 'postgres',
  ) {
    this.refreshMs = refreshMs;
    this.kind = kind;
  }

  /**
   * Verifies the master key against the database (check value, then every data key) and loads the keys.
   * A wrong or missing master key fails here, at start, with a clear message, before any value is read or written.
   */
  static async open(opts: VaultOptions): Promise<Vault> {
    const vault = new Vault(opts.db, opts.provider, opts.refreshMs ?? 5000, opts.kind ?? 'pglite');
    await vault.verifyMasterKeys();
    await vault.loadAllKeys();
    vault.indexRoot = await vault.ensureIndexRoot();
    vault.startRefreshTimer();
    if (opts.listen) {
      vault.unlisten = await opts.listen(KEYS_CHANNEL, () => {
        // Reload the keys, then swap the active entries at once (refreshKeys); not cleared first: a writer inside a
        // transaction must keep finding a key without a query (see activeKeyId). A failure marks the entries stale.
        vault.refreshKeys().catch(() => vault.markStale());
      });
    }
    return vault;
  }

  async close(): Promise<void> {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    this.refreshTimer = null;
    await this.refreshing;
    await this.unlisten?.();
    this.unlisten = null;
  }

  // ---------- master keys ----------

  private async verifyMasterKeys(): Promise<void> {
    const { db, provider } = this;
    const current = await provider.currentKekId();
    const available = new Set(await provider.availableKekIds());
    const keks = await db.selectFrom('vault_kek').selectAll().execute();
    const inUse = await db.selectFrom('vault_key').select('kek_id').distinct().where('state', '!=', 'retired').execute();
    for (const { kek_id } of inUse) {
      if (!available.has(kek_id)) {
        throw new VaultError(
          'wrong_key',
          `wrong or missing master key: the database's data keys are wrapped by master key ${kek_id}, but the configured ${provider.kind} key is ${current}` +
            `${available.size > 1 ? ` (also available: ${[...available].filter((k) => k !== current).join(', ')})` : ''}. Nothing was changed.`,
        );
      }
    }
    for (const kek of keks) {
      if (kek.state === 'retired' || !available.has(kek.id)) continue;
      let ok = false;
      try {
        ok = timingSafeEqual(await provider.unwrap(kek.id, kek.check_value, kcvAad(kek.id)), KCV_PLAIN);
      } catch (err) {
        if (!(err instanceof VaultError) || (err.code !== 'wrong_key' && err.code !== 'tampered')) throw err;
      }
      if (!ok) throw new VaultError('wrong_key', `wrong master key: the check value stored for ${kek.id} does not verify. Nothing was changed.`);
    }
    if (!keks.some((k) => k.id === current)) await this.registerKek(current);
  }

  /** Records a master key version with its check value (idempotent). */
  async registerKek(kekId: string): Promise<void> {
    const { kekId: wrappedBy, wrapped } = await this.provider.wrap(KCV_PLAIN, kcvAad(kekId));
    if (wrappedBy !== kekId) throw new VaultError('rotation', `the provider's current master key is ${wrappedBy}, expected ${kekId}`);
    await this.db.insertInto('vault_kek').values({ id: kekId, provider: this.provider.kind, check_value: wrapped }).onConflict((oc) => oc.column('id').doNothing()).execute();
  }

  // ---------- data keys ----------

  private async unwrapRow(row: { id: number; scope: string; version: number; purpose: 'data' | 'index'; state: CachedKey['state']; kek_id: string; wrapped: string | null }): Promise<CachedKey> {
    const key = row.wrapped === null ? null : await this.provider.unwrap(row.kek_id, row.wrapped, dekAad(row.scope, row.version, row.purpose));
    const cached: CachedKey = { id: row.id, scope: row.scope, version: row.version, state: row.state, key };
    this.keys.set(row.id, cached);
    return cached;
  }

  private async loadAllKeys(): Promise<void> {
    const rows = await this.db.selectFrom('vault_key').selectAll().where('state', '!=', 'retired').execute();
    const now = Date.now();
    for (const row of rows) {
      await this.unwrapRow(row);
      if (row.state === 'active') this.active.set(row.scope, { id: row.id, checkedAt: now });
    }
  }

  private async loadKey(id: number): Promise<CachedKey | null> {
    const row = await this.db.selectFrom('vault_key').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? this.unwrapRow(row) : null;
  }

  /** Creates the next data key version of a scope, active at once (rotation first demotes the old one, in the same transaction). */
  async createKey(scope: string, purpose: 'data' | 'index', db: Db = this.db): Promise<number> {
    const last = await db.selectFrom('vault_key').select(sql<number>`coalesce(max(version), 0)`.as('v')).where('scope', '=', scope).executeTakeFirstOrThrow();
    const version = Number(last.v) + 1;
    const key = randomBytes(KEY_BYTES);
    const { kekId, wrapped } = await this.provider.wrap(key, dekAad(scope, version, purpose));
    const row = await db
      .insertInto('vault_key')
      .values({ scope, version, purpose, state: 'active', kek_id: kekId, wrapped })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!row) return -1; // another instance created it first
    this.keys.set(row.id, { id: row.id, scope, version, state: 'active', key });
    return row.id;
  }

  /**
   * The key new values of this table are encrypted with. Never waits for the database when the scope is known: it is
   * called inside callers' transactions (orders, outbox, jobs), and a query here would need a second pool connection
   * while the caller holds one. Under a burst every other connection waits for a row lock that caller holds, so that
   * connection never comes (issue 18: the store hung). Freshness comes from the background refresh instead (every
   * refreshMs, and at once on NOTIFY). T1: the rotation waits 2 × refreshMs and counts under a lock before retiring,
   * so a value written under a just-demoted key is moved to the new key, never left under a destroyed one.
   * Only a scope never seen (its first key, created at boot for every encrypted table) is read here.
   */
  async activeKeyId(scope: string): Promise<number> {
    const hit = this.active.get(scope);
    if (hit) {
      if (Date.now() - hit.checkedAt >= this.refreshMs) this.revalidate(scope);
      return hit.id;
    }
    let row = await this.db.selectFrom('vault_key').select('id').where('scope', '=', scope).where('state', '=', 'active').executeTakeFirst();
    if (!row) {
      await this.createKey(scope, scope === INDEX_SCOPE ? 'index' : 'data');
      row = await this.db.selectFrom('vault_key').select('id').where('scope', '=', scope).where('state', '=', 'active').executeTakeFirstOrThrow();
    }
    if (!this.keys.get(row.id)?.key) await this.loadKey(row.id);
    this.active.set(scope, { id: row.id, checkedAt: Date.now() });
    return row.id;
  }

  /** Creates (or finds) the active key of each scope now, outside any transaction (boot: every encrypted table). */
  async prepareScopes(scopes: readonly string[]): Promise<void> {
    for (const scope of scopes) if (!this.active.has(scope)) await this.activeKeyId(scope);
  }

  private revalidating = new Set<string>();
  private refreshTimer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;

  /** Every cached active entry is re-read on its next use. */
  markStale(): void {
    for (const entry of this.active.values()) entry.checkedAt = 0;
  }

  /** Re-reads every key's state every refreshMs in the background (own pool connection, no transaction held). */
  private startRefreshTimer(): void {
    if (this.refreshMs <= 0 || this.refreshTimer) return;
    this.refreshTimer = setInterval(() => {
      if (this.refreshing) return;
      this.refreshing = this.refreshKeys()
        .catch(() => undefined) // the database is away: the next tick tries again
        .finally(() => (this.refreshing = null));
    }, this.refreshMs);
    this.refreshTimer.unref();
  }

  private revalidate(scope: string): void {
    if (this.revalidating.has(scope)) return;
    this.revalidating.add(scope);
    this.db
      .selectFrom('vault_key')
      .select('id')
      .where('scope', '=', scope)
      .where('state', '=', 'active')
      .executeTakeFirst()
      .then(async (row) => {
        if (row && !this.keys.get(row.id)?.key) await this.loadKey(row.id); // unwrapped before use: keyFor then needs no query
        if (row) this.active.set(scope, { id: row.id, checkedAt: Date.now() });
      })
      .catch(() => undefined) // the next use tries again
      .finally(() => this.revalidating.delete(scope));
  }

  /**
   * Re-reads key states after a rotation (here or, through NOTIFY, in another instance): retired keys leave the
   * cache, new ones are unwrapped now, so a later decrypt inside a transaction finds its key without a query
   * (on PGlite a `db` query inside a transaction would wait for the transaction).
   */
  async refreshKeys(db: Db = this.db): Promise<void> {
    const rows = await db.selectFrom('vault_key').selectAll().where('state', '!=', 'retired').execute();
    const fresh = new Map<number, CachedKey>();
    for (const row of rows) {
      const known = this.keys.get(row.id);
      fresh.set(row.id, known?.key ? { ...known, state: row.state } : await this.unwrapRow(row));
    }
    this.keys = fresh;
    const now = Date.now();
    const active = new Map<string, { id: number; checkedAt: number }>();
    for (const row of rows) if (row.state === 'active') active.set(row.scope, { id: row.id, checkedAt: now });
    this.active = active;
  }

  private async keyFor(id: number, field: FieldRef): Promise<Buffer> {
    const cached = this.keys.get(id) ?? (await this.loadKey(id));
    if (!cached) throw new VaultError('unknown_key', `${describe(field)}: unknown key id ${id} (not in vault_key)`);
    if (cached.scope !== field.table) throw new VaultError('tampered', `${describe(field)}: key ${id} belongs to ${cached.scope}, not ${field.table} (value copied from another table?)`);
    if (!cached.key) throw new VaultError('retired_key', `${describe(field)}: key ${id} (${cached.scope} v${cached.version}) is retired`);
    return cached.key;
  }

  // ---------- values ----------

  /**
   * The id the next row of a serial-keyed table will get, for encrypting before the INSERT (the row id is part of
   * every value's associated data): `const id = await vault.nextRowId(trx, 'customer')`, then insert with `id`.
   */
  async nextRowId(db: Db, table: string, column = 'id'): Promise<number> {
    const r = await sql<{ id: number }>`select nextval(pg_get_serial_sequence(${table}, ${column}))::int as id`.execute(db);
    return Number(r.rows[0]!.id);
  }

  async encrypt(field: FieldRef, plaintext: string): Promise<string> {
    const id = await this.activeKeyId(field.table);
    return encryptField(await this.keyFor(id, field), id, field, plaintext);
  }

  /** Encrypts under a given key version (rotation). */
  async encryptWithKey(keyId: number, field: FieldRef, plaintext: string): Promise<string> {
    return encryptField(await this.keyFor(keyId, field), keyId, field, plaintext);
  }

  async decrypt(field: FieldRef, ciphertext: string): Promise<string> {
    const parsed = parseCiphertext(ciphertext, describe(field));
    return decryptField(await this.keyFor(parsed.keyId, field), field, parsed);
  }

  async encryptNullable(field: FieldRef, plaintext: string | null | undefined): Promise<string | null> {
    return plaintext === null || plaintext === undefined ? null : this.encrypt(field, plaintext);
  }

  async decryptNullable(field: FieldRef, ciphertext: string | null | undefined): Promise<string | null> {
    return ciphertext === null || ciphertext === undefined ? null : this.decrypt(field, ciphertext);
  }

  /** Encrypts several columns of one row: `{ email: 'a@b', phone: null }` → ciphertexts (null stays null). */
  async encryptRow<K extends string>(table: string, rowId: FieldRef['rowId'], values: Record<K, string | null | undefined>): Promise<Record<K, string | null>> {
    const out = {} as Record<K, string | null>;
    for (const column of Object.keys(values) as K[]) out[column] = await this.encryptNullable({ table, column, rowId }, values[column]);
    return out;
  }

  async decryptRow<K extends string>(table: string, rowId: FieldRef['rowId'], values: Record<K, string | null | undefined>): Promise<Record<K, string | null>> {
    const out = {} as Record<K, string | null>;
    for (const column of Object.keys(values) as K[]) out[column] = await this.decryptNullable({ table, column, rowId }, values[column]);
    return out;
  }

  /** Decrypts the given columns of many rows (a list page): rows keep every other property unchanged. */
  async decryptRows<R extends Record<string, unknown>, K extends keyof R & string>(table: string, rows: R[], columns: K[], idOf: (row: R) => FieldRef['rowId']): Promise<Array<Omit<R, K> & Record<K, string | null>>> {
    const out: Array<Omit<R, K> & Record<K, string | null>> = [];
    for (const row of rows) {
      const copy: Record<string, unknown> = { ...row };
      for (const column of columns) copy[column] = await this.decryptNullable({ table, column, rowId: idOf(row) }, row[column] as string | null);
      out.push(copy as Omit<R, K> & Record<K, string | null>);
    }
    return out;
  }

  // ---------- blind indexes ----------

  private async ensureIndexRoot(): Promise<Buffer> {
    const id = await this.activeKeyId(INDEX_SCOPE);
    return this.keyFor(id, { table: INDEX_SCOPE, column: 'root', rowId: 0 });
  }

  private indexKey(name: IndexName): Buffer {
    let key = this.indexKeys.get(name);
    if (!key) {
      key = deriveIndexKey(this.indexRoot!, name);
      this.indexKeys.set(name, key);
    }
    return key;
  }

  /** Blind index of an already normalized value under the named index. */
  blindIndex(name: IndexName, normalized: string): string {
    return indexToken(this.indexKey(name), normalized);
  }
  emailIndex(email: string): string {
    return this.blindIndex('email', normalizeEmail(email));
  }
  phoneIndex(phone: string): string {
    return this.blindIndex('phone', normalizePhone(phone));
  }
  /** Tokens to store for a name (family name's first 1 and 2 characters); `kana` for the furigana column. */
  namePrefixTokens(name: string, kind: 'name' | 'kana' = 'name'): string[] {
    return prefixTokens(this.indexKey(kind === 'kana' ? 'kana_prefix' : 'name_prefix'), name);
  }
  namePrefixQuery(prefix: string, kind: 'name' | 'kana' = 'name'): string | null {
    return prefixQuery(this.indexKey(kind === 'kana' ? 'kana_prefix' : 'name_prefix'), prefix);
  }
}

/**
 * Fills the platform's `AppContext.vault` slot with this class (declaration merging): the platform declares the slot,
 * the vault, a floor above, says what it holds, so `platform/context.ts` imports nothing from the vault.
 */
declare module '../platform/context.ts' {
  interface ContextVault extends Vault {}
}
