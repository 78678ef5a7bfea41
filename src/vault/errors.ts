/**
 * Vault errors carry a code and a message naming the key, table and column, never a plaintext or a key.
 * - wrong_key: the master key does not open the database's wrapped keys (or a data key does not open a value)
 * - missing_key: no master key is configured where the database needs one
 * - unknown_key: a value names a key id the database does not hold
 * - retired_key: a value names a key that rotation has retired
 * - tampered: a value is malformed, or its tag fails under the right key (changed, or moved to another row/column)
 * - insecure_key_file: the key file is readable by others, or sits inside the database directory
 */
export type VaultErrorCode = 'wrong_key' | 'missing_key' | 'unknown_key' | 'retired_key' | 'tampered' | 'insecure_key_file' | 'provider' | 'rotation';

export class VaultError extends Error {
  constructor(
    readonly code: VaultErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'VaultError';
  }
}
