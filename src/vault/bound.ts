import type { Kysely } from 'kysely';
import { bindSealer, requireSealer, sealerOf } from '../platform/crypto/field-sealer.ts';
import type { Vault } from './vault.ts';

// The carrier itself is platform code (`platform/crypto/field-sealer.ts`): the platform's writers need only the
// `FieldSealer` interface, which the vault implements. These wrappers give domains the whole vault back.

/** `ctx.db`: the database handle with the vault bound (boot does this once). */
export function bindVault<D>(db: Kysely<D>, vault: Vault): Kysely<D> {
  return bindSealer(db, vault);
}

/** The vault bound to this handle (or to the handle a transaction came from), or null. */
export function vaultOf(db: Pick<Kysely<unknown>, 'getExecutor'>): Vault | null {
  return sealerOf(db) as Vault | null;
}

/** T1: personal data is never written unencrypted: a handle without the vault is refused, not served in clear. */
export function requireVault(db: Pick<Kysely<unknown>, 'getExecutor'>, what: string): Vault {
  return requireSealer(db, what) as Vault;
}
