import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { AuthenticationFailed, hkdf, KEY_BYTES, open, seal } from '../aead.ts';
import { VaultError } from '../errors.ts';
import type { KeyProvider } from './types.ts';

/** A fingerprint that names a master key without revealing it (an HMAC keyed by the key itself). */
export function kekIdOf(master: Buffer): string {
  return `mk-${createHmac('sha256', master).update('omamori/kek-id/v1').digest('hex').slice(0, 16)}`;
}

/**
 * Master keys held in this process (file or environment). Data keys are wrapped with AES-256-GCM under a
 * wrapping key derived by HKDF (label `omamori/kek-wrap/v1`), so the raw master key is used for nothing else.
 * AES-GCM rather than AES-KW: the wrap carries associated data (scope and version of the data key), so a
 * wrapped key copied onto another row does not unwrap.
 */
abstract class LocalKeyring implements KeyProvider {
  abstract readonly kind: string;
  protected keys = new Map<string, Buffer>();
  protected current = '';

  protected load(current: Buffer, previous: Buffer[]): void {
    this.keys.clear();
    for (const k of [current, ...previous]) this.keys.set(kekIdOf(k), hkdf(k, 'omamori/kek-wrap/v1'));
    this.current = kekIdOf(current);
  }

  async currentKekId() {
    return this.current;
  }
  async availableKekIds() {
    return [...this.keys.keys()];
  }
  async wrap(key: Buffer, aad: Buffer) {
    const kek = this.keys.get(this.current)!;
    return { kekId: this.current, wrapped: seal(kek, key, aad).toString('base64url') };
  }
  async unwrap(kekId: string, wrapped: string, aad: Buffer) {
    const kek = this.keys.get(kekId);
    if (!kek) throw new VaultError('unknown_key', `master key ${kekId} is not configured (configured: ${[...this.keys.keys()].join(', ')})`);
    try {
      return open(kek, Buffer.from(wrapped, 'base64url'), aad);
    } catch (err) {
      if (err instanceof AuthenticationFailed) throw new VaultError('wrong_key', `a data key wrapped by ${kekId} does not unwrap: wrong master key or altered key row`);
      throw err;
    }
  }
  abstract rotate(): Promise<string>;
  abstract retire(kekId: string): Promise<void>;
}

function parseKey(value: string, name: string): Buffer {
  const key = Buffer.from(value.trim(), 'base64');
  if (key.length !== KEY_BYTES) throw new VaultError('missing_key', `${name} must be ${KEY_BYTES} bytes, base64-encoded (e.g. \`openssl rand -base64 32\`)`);
  return key;
}

/**
 * `OMAMORI_MASTER_KEY` (base64, 32 bytes): for deployments whose secret store injects it (systemd credentials,
 * Kubernetes secrets). Rotation: set the new key there and the old one in `OMAMORI_MASTER_KEY_PREVIOUS`
 * (comma-separated), run `omamori keys rotate --kek`, then remove the previous one.
 */
export class EnvKeyProvider extends LocalKeyring {
  readonly kind = 'env';
  constructor(env: NodeJS.ProcessEnv = process.env) {
    super();
    if (!env.OMAMORI_MASTER_KEY) throw new VaultError('missing_key', 'OMAMORI_MASTER_KEY is not set');
    const previous = (env.OMAMORI_MASTER_KEY_PREVIOUS ?? '').split(',').filter((s) => s.trim()).map((s) => parseKey(s, 'OMAMORI_MASTER_KEY_PREVIOUS'));
    this.load(parseKey(env.OMAMORI_MASTER_KEY, 'OMAMORI_MASTER_KEY'), previous);
  }
  async rotate(): Promise<string> {
    throw new VaultError('provider', 'with OMAMORI_MASTER_KEY, rotate by setting a new OMAMORI_MASTER_KEY and the old value in OMAMORI_MASTER_KEY_PREVIOUS, then run `omamori keys rotate --kek`');
  }
  async retire(): Promise<void> {
    // The operator removes the value from OMAMORI_MASTER_KEY_PREVIOUS.
  }
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The real path of `p`, or of its nearest existing ancestor joined with the rest (for files not created yet). */
function realish(p: string): string {
  const abs = path.resolve(p);
  if (existsSync(abs)) return realpathSync(abs);
  const parent = path.dirname(abs);
  return parent === abs ? abs : path.join(realish(parent), path.basename(abs));
}

/**
 * The master key in a file, `DATA_DIR/keys/master.key` by default (`MASTER_KEY_FILE` to move it, e.g. onto a
 * separate volume or a tmpfs filled by a secret manager): 32 random bytes created on first start with mode 0600.
 * Principle 2: a copy of the database directory alone (backup, stolen disk image of pgdata) holds no key.
 * Previous versions during a KEK rotation sit beside it as `master-<kekId>.key`.
 */
export class FileKeyProvider extends LocalKeyring {
  readonly kind = 'file';
  readonly file: string;
  private readonly dir: string;

  /**
   * @param create make a new key when none exists; the vault asks for this only while the database holds no
   *   wrapped key (a missing key file beside a populated database is an error, never a silent new key).
   */
  constructor(opts: { file: string; pgdataDir?: string; create: boolean }) {
    super();
    this.file = path.resolve(opts.file);
    this.dir = path.dirname(this.file);
    // T1/T3: a key stored with the data it protects protects nothing (a pgdata copy would carry it).
    if (opts.pgdataDir && isInside(realish(this.file), realish(opts.pgdataDir))) {
      throw new VaultError('insecure_key_file', `the master key file ${this.file} is inside the database directory ${opts.pgdataDir}; keep it outside (set MASTER_KEY_FILE)`);
    }
    if (!existsSync(this.file)) {
      if (!opts.create) throw new VaultError('missing_key', `no master key at ${this.file}, but the database holds keys wrapped by one: restore the key file (or set OMAMORI_MASTER_KEY)`);
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      writeKeyFile(this.file, randomBytes(KEY_BYTES));
    }
    this.reload();
  }

  private reload(): void {
    const previous = readdirSync(this.dir)
      .filter((f) => /^master-mk-[0-9a-f]{16}\.key$/.test(f))
      .map((f) => readKeyFile(path.join(this.dir, f)));
    this.load(readKeyFile(this.file), previous);
  }

  /** New current key; the old one is kept as `master-<id>.key` until retired. Each step survives a crash. */
  async rotate(): Promise<string> {
    const oldId = this.current;
    const archived = path.join(this.dir, `master-${oldId}.key`);
    if (!existsSync(archived)) {
      try {
        linkSync(this.file, archived);
      } catch {
        writeKeyFile(archived, readKeyFile(this.file)); // a file system without hard links
      }
    }
    const tmp = `${this.file}.next`;
    if (existsSync(tmp)) unlinkSync(tmp);
    writeKeyFile(tmp, randomBytes(KEY_BYTES));
    renameSync(tmp, this.file);
    this.reload();
    return this.current;
  }

  async retire(kekId: string): Promise<void> {
    if (kekId === this.current) throw new VaultError('rotation', 'the current master key cannot be retired');
    const archived = path.join(this.dir, `master-${kekId}.key`);
    if (existsSync(archived)) unlinkSync(archived);
    this.keys.delete(kekId);
  }
}

function writeKeyFile(file: string, key: Buffer): void {
  // 'wx': two instances starting together never overwrite each other's key; 0600 from the first byte.
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, key);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(file, 0o600); // a umask cannot widen it, but be explicit
}

function readKeyFile(file: string): Buffer {
  const st = statSync(file);
  // T1/T3: a key readable by other local users (web server, backup agent) is a key anyone on the host has.
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    throw new VaultError('insecure_key_file', `${file} is readable by group or others (mode ${(st.mode & 0o777).toString(8)}); run \`chmod 600 ${file}\``);
  }
  const key = readFileSync(file);
  if (key.length !== KEY_BYTES) throw new VaultError('wrong_key', `${file} must hold exactly ${KEY_BYTES} bytes (it holds ${key.length})`);
  return key;
}
