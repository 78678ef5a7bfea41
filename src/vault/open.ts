import path from 'node:path';
import type { Config } from '../platform/config.ts';
import type { DatabaseHandle, Db } from '../platform/db/database.ts';
import { EnvKeyProvider, FileKeyProvider } from './providers/local.ts';
import type { KeyProvider } from './providers/types.ts';
import { VaultTransitKeyProvider } from './providers/vault-transit.ts';
import { Vault } from './vault.ts';

type VaultConfig = Pick<Config, 'keyProvider' | 'masterKeyFile' | 'dataDir' | 'databaseUrl' | 'vaultAddr' | 'vaultTransitKey' | 'vaultTransitMount'>;

/** Whether the database holds any wrapped key yet: only then may a key file be created. */
export async function vaultIsEmpty(db: Db): Promise<boolean> {
  const row = await db.selectFrom('vault_kek').select('id').limit(1).executeTakeFirst();
  return !row;
}

/** The configured master key provider. The key file is created only for a database with no keys yet. */
export function createKeyProvider(config: VaultConfig, opts: { create: boolean; env?: NodeJS.ProcessEnv }): KeyProvider {
  const env = opts.env ?? process.env;
  switch (config.keyProvider) {
    case 'env':
      return new EnvKeyProvider(env);
    case 'vault-transit':
      return new VaultTransitKeyProvider({ addr: config.vaultAddr ?? '', token: env.VAULT_TOKEN ?? '', key: config.vaultTransitKey, mount: config.vaultTransitMount });
    case 'file':
      // The embedded database lives in DATA_DIR/pgdata; the key must not (a copy of pgdata would carry it).
      return new FileKeyProvider({ file: config.masterKeyFile, pgdataDir: config.databaseUrl ? undefined : path.join(config.dataDir, 'pgdata'), create: opts.create });
  }
}

/**
 * Opens the vault for a started database (after migrations): picks the provider, verifies the master key against
 * the stored check value and unwraps the data keys. Throws VaultError at start when the key is wrong or missing.
 * Boot wiring (for the lead): `ctx.vault = await openVault(config, database)` right after `migrate(database)`.
 */
export async function openVault(config: VaultConfig, database: Pick<DatabaseHandle, 'db'> & Partial<Pick<DatabaseHandle, 'listen' | 'kind'>>, opts: { env?: NodeJS.ProcessEnv; refreshMs?: number } = {}): Promise<Vault> {
  const provider = createKeyProvider(config, { create: await vaultIsEmpty(database.db), env: opts.env });
  return Vault.open({ db: database.db, provider, listen: database.listen, refreshMs: opts.refreshMs, kind: database.kind });
}
