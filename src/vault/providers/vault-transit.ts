import { VaultError } from '../errors.ts';
import type { KeyProvider } from './types.ts';

/**
 * HashiCorp Vault's transit engine as the KMS: the master key never leaves Vault; omamori sends it a data key
 * to wrap (`encrypt`) or unwrap (`decrypt`) once per data key at start, not per value. Associated data uses
 * transit's `associated_data` (AEAD key types, Vault 1.13+). Key versions are Vault's own (`vault:v3:…`);
 * `rotate` calls `keys/<name>/rotate`. A cloud KMS (AWS KMS Encrypt/Decrypt with an EncryptionContext, GCP
 * Cloud KMS with additionalAuthenticatedData) fits the same interface.
 *
 * Configuration: VAULT_ADDR, VAULT_TOKEN, VAULT_TRANSIT_KEY (default `omamori`), VAULT_TRANSIT_MOUNT (default `transit`).
 */
export class VaultTransitKeyProvider implements KeyProvider {
  readonly kind = 'vault-transit';
  private latest = 0;

  constructor(private readonly opts: { addr: string; token: string; key: string; mount?: string; fetch?: typeof fetch }) {}

  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, any>> {
    const url = `${this.opts.addr.replace(/\/$/, '')}/v1/${this.opts.mount ?? 'transit'}/${path}`;
    const res = await (this.opts.fetch ?? fetch)(url, {
      method,
      headers: { 'X-Vault-Token': this.opts.token, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    }).catch((err: Error) => {
      throw new VaultError('provider', `Vault transit unreachable at ${this.opts.addr}: ${err.message}`);
    });
    const json = (await res.json().catch(() => ({}))) as Record<string, any>;
    if (!res.ok) {
      const detail = Array.isArray(json.errors) ? json.errors.join('; ') : `HTTP ${res.status}`;
      if (res.status === 400 && /authentication|cipher: message authentication failed/i.test(detail)) throw new VaultError('wrong_key', `Vault transit key ${this.opts.key} does not unwrap this data key`);
      throw new VaultError('provider', `Vault transit ${path}: ${detail}`);
    }
    return (json.data ?? {}) as Record<string, any>;
  }

  private id(version: number): string {
    return `vault:${this.opts.key}:v${version}`;
  }

  private async refresh(): Promise<void> {
    const data = await this.call('GET', `keys/${encodeURIComponent(this.opts.key)}`);
    this.latest = Number(data.latest_version);
    this.minDecrypt = Number(data.min_decryption_version ?? 1);
  }
  private minDecrypt = 1;

  async currentKekId() {
    await this.refresh();
    return this.id(this.latest);
  }
  async availableKekIds() {
    await this.refresh();
    const ids: string[] = [];
    for (let v = this.minDecrypt; v <= this.latest; v++) ids.push(this.id(v));
    return ids;
  }
  async wrap(key: Buffer, aad: Buffer) {
    const data = await this.call('POST', `encrypt/${encodeURIComponent(this.opts.key)}`, { plaintext: key.toString('base64'), associated_data: aad.toString('base64') });
    const ciphertext = String(data.ciphertext);
    const version = Number(/^vault:v(\d+):/.exec(ciphertext)?.[1]);
    return { kekId: this.id(version), wrapped: ciphertext };
  }
  async unwrap(kekId: string, wrapped: string, aad: Buffer) {
    const version = /^vault:v(\d+):/.exec(wrapped)?.[1];
    if (!version || this.id(Number(version)) !== kekId) throw new VaultError('tampered', `wrapped data key does not match master key ${kekId}`);
    const data = await this.call('POST', `decrypt/${encodeURIComponent(this.opts.key)}`, { ciphertext: wrapped, associated_data: aad.toString('base64') });
    return Buffer.from(String(data.plaintext), 'base64');
  }
  async rotate() {
    await this.call('POST', `keys/${encodeURIComponent(this.opts.key)}/rotate`);
    return this.currentKekId();
  }
  async retire(kekId: string) {
    // Raising min_decryption_version makes Vault refuse older versions (they stay archived inside Vault).
    const version = Number(/:v(\d+)$/.exec(kekId)?.[1]);
    if (version >= 1) await this.call('POST', `keys/${encodeURIComponent(this.opts.key)}/config`, { min_decryption_version: version + 1 });
  }
}
