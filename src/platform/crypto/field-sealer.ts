import type { Kysely, KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import type { Db } from '../db/database.ts';

/** One encrypted value's place: the ciphertext is bound to it (a value copied to another row does not open). */
export interface SealedField {
  table: string;
  column: string;
  rowId: number | string;
}

/**
 * What the platform's writers of personal data (`enqueueJob`, `queueMail`, the mail delivery) need from field
 * encryption. The vault implements it; boot binds it to `ctx.db` (the platform imports no domain).
 */
export interface FieldSealer {
  nextRowId(db: Db, table: string): Promise<number>;
  encrypt(field: SealedField, plaintext: string): Promise<string>;
  encryptNullable(field: SealedField, plaintext: string | null | undefined): Promise<string | null>;
  decrypt(field: SealedField, ciphertext: string): Promise<string>;
  emailIndex(email: string): string;
}

/**
 * Carries the sealer on a database handle, so that shared writers deep in any domain encrypt with the store's
 * vault without every caller threading it through: a Kysely plugin that changes no query, only rides along on
 * `ctx.db` and every transaction or connection opened from it.
 */
class SealerCarrier implements KyselyPlugin {
  constructor(readonly sealer: FieldSealer) {}
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/** `ctx.db`: the database handle with the sealer bound (boot does this once). */
export function bindSealer<D, S extends FieldSealer>(db: Kysely<D>, sealer: S): Kysely<D> {
  return sealerOf(db) === sealer ? db : db.withPlugin(new SealerCarrier(sealer));
}

/** The sealer bound to this handle (or to the handle a transaction came from), or null. */
export function sealerOf(db: Pick<Kysely<unknown>, 'getExecutor'>): FieldSealer | null {
  for (const plugin of db.getExecutor().plugins) if (plugin instanceof SealerCarrier) return plugin.sealer;
  return null;
}

/** T1: personal data is never written unencrypted: a handle without the sealer is refused, not served in clear. */
export function requireSealer(db: Pick<Kysely<unknown>, 'getExecutor'>, what: string): FieldSealer {
  const sealer = sealerOf(db);
  if (!sealer) throw new Error(`${what} needs the database handle with the vault bound (ctx.db, see bindVault); refusing to store personal data unencrypted`);
  return sealer;
}
