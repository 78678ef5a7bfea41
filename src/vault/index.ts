/**
 * The vault's public interface for other domains (field encryption, blind indexes, rotation, dump proof).
 * Open once at start with `openVault(config, database)`; see README "Field encryption".
 */
export { Vault, type FieldRef, INDEX_SCOPE, KEYS_CHANNEL } from './vault.ts';
export { openVault, createKeyProvider } from './open.ts';
export { VaultError, type VaultErrorCode } from './errors.ts';
export { isCiphertext, keyIdOf } from './envelope.ts';
export { normalizeEmail, normalizePhone, normalizeName, familyName } from './blind-index.ts';
export { reencryptTable, rotateDek, rotateKek, keyStatus, type ReencryptOptions, type ReencryptResult } from './rotation.ts';
export { type EncryptedTableSpec } from './registry.ts';
export { dumpDatabase, dumpProof, searchDump, scrubPlaintextResidue, type DumpSource, type DumpFindings } from './dump-proof.ts';
export type { KeyProvider } from './providers/types.ts';
