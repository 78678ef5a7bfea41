import type { Kysely, KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import type { Vault } from './vault.ts';

/**
 * Carries the vault on a database handle, so that shared writers deep in any domain (`queueMail`, `enqueueJob`)
 * encrypt with the store's vault without every caller threading it through: a Kysely plugin that changes no query,
 * only rides along on `ctx.db` and every transaction or connection opened from it.
 */
class VaultCarrier implements KyselyPlugin {
  constructor(readonly vault: Vault) {}
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/** `ctx.db`: the database handle with the vault bound (boot does this once). */
export function bindVault<D>(db: Kysely<D>, vault: Vault): Kysely<D> {
  return vaultOf(db) === vault ? db : db.withPlugin(new VaultCarrier(vault));
}

/** The vault bound to this handle (or to the handle a transaction came from), or null. */
export function vaultOf(db: Pick<Kysely<unknown>, 'getExecutor'>): Vault | null {
  for (const plugin of db.getExecutor().plugins) if (plugin instanceof VaultCarrier) return plugin.vault;
  return null;
}

/** T1: personal data is never written unencrypted: a handle without the vault is refused, not served in clear. */
export function requireVault(db: Pick<Kysely<unknown>, 'getExecutor'>, what: string): Vault {
  const vault = vaultOf(db);
  if (!vault) throw new Error(`${what} needs the database handle with the vault bound (ctx.db, see bindVault); refusing to store personal data unencrypted`);
  return vault;
}
