/**
 * Where the master key (KEK) lives. The vault never stores a KEK in the database: only data keys wrapped
 * by it, and a check value. Every implementation must pass `conformance.ts`.
 */
export interface KeyProvider {
  /** 'file' | 'env' | 'vault-transit' (or another KMS). */
  readonly kind: string;
  /** Id of the master key version that new wraps use (local keys: a fingerprint `mk-…`; Vault: `vault:<key>:v<n>`). */
  currentKekId(): Promise<string>;
  /** Every master key version this provider can unwrap with (current and previous). */
  availableKekIds(): Promise<string[]>;
  /** Wraps a data key; `aad` binds the wrapped key to its place (scope, version). */
  wrap(key: Buffer, aad: Buffer): Promise<{ kekId: string; wrapped: string }>;
  /** Unwraps; throws VaultError 'wrong_key' when the tag fails, 'unknown_key' when the version is not available. */
  unwrap(kekId: string, wrapped: string, aad: Buffer): Promise<Buffer>;
  /** Makes a new master key version current; previous versions stay usable until `retire`. */
  rotate(): Promise<string>;
  /** Forgets a previous master key version, after every data key is wrapped by a newer one. */
  retire(kekId: string): Promise<void>;
}
