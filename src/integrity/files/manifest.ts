import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { createReadStream, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { IntegrityConfig } from '../config.ts';

/**
 * The signed manifest of the deployed tree (PCI DSS 11.5.2; T1, T3): SHA-256 of every file under
 * the scope, signed with Ed25519 (node:crypto). The store verifies its tree against it; nothing
 * here trusts the tree it is checking.
 */
export const manifestFormat = 'omamori-integrity/1';

export type ManifestEntry = { size: number; sha256: string } | { link: string } | { special: true };

export interface Manifest {
  format: typeof manifestFormat;
  createdAt: string;
  /** Folders and files (relative to the root) the manifest covers; new files there are findings. */
  scope: string[];
  files: Record<string, ManifestEntry>;
}

export interface Discrepancy {
  kind: 'modified' | 'added' | 'removed';
  path: string;
  expected: string | null;
  observed: string | null;
}

interface FileStat {
  type: 'file' | 'link' | 'special';
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

// ---------- keys ----------

function keyFromText(text: string, kind: 'private' | 'public'): KeyObject {
  const t = text.trim();
  if (t.startsWith('-----')) return kind === 'private' ? createPrivateKey(t) : createPublicKey(t);
  const der = Buffer.from(t, 'base64');
  return kind === 'private' ? createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }) : createPublicKey({ key: der, format: 'der', type: 'spki' });
}

/** The verifying key: INTEGRITY_PUBLIC_KEY (pinned by the operator) or the .pub file beside the private key. */
export function loadPublicKey(cfg: IntegrityConfig): KeyObject | null {
  if (cfg.publicKeyPem) return keyFromText(cfg.publicKeyPem, 'public');
  if (!existsSync(cfg.publicKeyPath)) return null;
  return keyFromText(readFileSync(cfg.publicKeyPath, 'utf8'), 'public');
}

/**
 * The signing key: INTEGRITY_SIGNING_KEY, else DATA_DIR/keys/integrity-ed25519.key (0600), created with
 * its public key beside it when `create` is set and neither exists.
 */
export function loadOrCreateSigningKey(cfg: IntegrityConfig, create: boolean): { key: KeyObject; created: boolean } {
  if (cfg.privateKeyPem) return { key: keyFromText(cfg.privateKeyPem, 'private'), created: false };
  if (existsSync(cfg.privateKeyPath)) return { key: keyFromText(readFileSync(cfg.privateKeyPath, 'utf8'), 'private'), created: false };
  if (!create) throw new Error(`no signing key: set INTEGRITY_SIGNING_KEY or create ${cfg.privateKeyPath}`);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  mkdirSync(dirname(cfg.privateKeyPath), { recursive: true, mode: 0o700 });
  writeFileSync(cfg.privateKeyPath, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
  writeFileSync(cfg.publicKeyPath, publicKey.export({ format: 'pem', type: 'spki' }), { mode: 0o644 });
  return { key: privateKey, created: true };
}

/** A short, printable identifier of a public key (SHA-256 of its SPKI DER). */
export function keyFingerprint(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(pub.export({ format: 'der', type: 'spki' })).digest('hex').slice(0, 16);
}

// ---------- walking and hashing ----------

/** Lets the event loop serve requests between slices of synchronous file-system work. */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Synchronous file calls in slices: several times faster than fs.promises for thousands of small files. */
const sliceBudgetMs = 8;

/** Every file, link and special file under the scope, by path relative to root ('/' separators), without following links. */
export async function walkTree(root: string, scope: string[]): Promise<Map<string, FileStat>> {
  const out = new Map<string, FileStat>();
  const stack = scope.map((s) => s.replace(/^\.?\/+|\/+$/g, '')).filter((s) => s && !s.split('/').includes('..')).reverse();
  let sliceStart = performance.now();
  while (stack.length) {
    const rel = stack.pop()!;
    let st;
    try {
      st = lstatSync(join(root, rel));
    } catch {
      continue; // vanished while walking, or a scope entry that does not exist
    }
    if (st.isDirectory()) {
      let names: string[];
      try {
        names = readdirSync(join(root, rel));
      } catch {
        continue;
      }
      names.sort();
      for (let i = names.length - 1; i >= 0; i--) stack.push(`${rel}/${names[i]}`);
    } else {
      out.set(rel, {
        type: st.isFile() ? 'file' : st.isSymbolicLink() ? 'link' : 'special',
        size: st.size,
        mtimeMs: st.mtimeMs,
        ctimeMs: st.ctimeMs,
        ino: st.ino,
      });
    }
    if (performance.now() - sliceStart > sliceBudgetMs) {
      await yieldToLoop();
      sliceStart = performance.now();
    }
  }
  return out;
}

export async function hashFile(path: string, size: number): Promise<string> {
  if (size <= 8 * 1024 * 1024) return createHash('sha256').update(readFileSync(path)).digest('hex');
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function entryOf(root: string, rel: string, st: FileStat): Promise<ManifestEntry> {
  if (st.type === 'link') return { link: readlinkSync(join(root, rel)) };
  if (st.type === 'special') return { special: true };
  return { size: st.size, sha256: await hashFile(join(root, rel), st.size) };
}

/** Runs fn over items in order, yielding to the event loop every few milliseconds. */
async function sliced<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  let sliceStart = performance.now();
  for (const item of items) {
    await fn(item);
    if (performance.now() - sliceStart > sliceBudgetMs) {
      await yieldToLoop();
      sliceStart = performance.now();
    }
  }
}

function describe(e: ManifestEntry | undefined): string | null {
  if (!e) return null;
  if ('sha256' in e) return e.sha256;
  if ('link' in e) return `link:${e.link}`.slice(0, 300);
  return 'special';
}

function sameEntry(a: ManifestEntry, b: ManifestEntry): boolean {
  return describe(a) === describe(b) && (!('size' in a) || !('size' in b) || a.size === b.size);
}

// ---------- baseline ----------

export async function buildManifest(root: string, scope: string[]): Promise<Manifest> {
  const tree = await walkTree(root, scope);
  const paths = [...tree.keys()].sort();
  const files: Record<string, ManifestEntry> = {};
  const entries = new Map<string, ManifestEntry>();
  await sliced(paths, async (p) => {
    try {
      entries.set(p, await entryOf(root, p, tree.get(p)!));
    } catch {
      // vanished between walking and hashing: not part of the baseline
    }
  });
  for (const p of paths) if (entries.has(p)) files[p] = entries.get(p)!;
  return { format: manifestFormat, createdAt: new Date().toISOString(), scope, files };
}

function writeAtomic(path: string, data: string | Buffer, mode: number) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}

/**
 * Hashes the tree, signs the manifest with the Ed25519 key and writes manifest.json and its .sig
 * beside it (DATA_DIR/integrity/). Creates the key pair on first use unless INTEGRITY_SIGNING_KEY is set.
 */
export async function createBaseline(cfg: IntegrityConfig): Promise<{ files: number; ms: number; keyCreated: boolean; fingerprint: string }> {
  const t0 = performance.now();
  const { key, created } = loadOrCreateSigningKey(cfg, true);
  const manifest = await buildManifest(cfg.root, cfg.scope);
  const bytes = Buffer.from(JSON.stringify(manifest, null, 1));
  const signature = sign(null, bytes, key);
  writeAtomic(cfg.manifestPath, bytes, 0o644);
  writeAtomic(cfg.signaturePath, signature.toString('base64') + '\n', 0o644);
  return { files: Object.keys(manifest.files).length, ms: performance.now() - t0, keyCreated: created, fingerprint: keyFingerprint(key) };
}

export type LoadedManifest =
  | { status: 'ok'; manifest: Manifest; digest: string }
  | { status: 'missing' }
  | { status: 'bad_signature'; reason: string; digest: string | null };

/** Reads the manifest and checks its signature; only a manifest with a valid signature is ever used. */
export function loadManifest(cfg: IntegrityConfig): LoadedManifest {
  if (!existsSync(cfg.manifestPath)) return { status: 'missing' };
  let bytes: Buffer;
  try {
    bytes = readFileSync(cfg.manifestPath);
  } catch {
    return { status: 'bad_signature', reason: 'manifest unreadable', digest: null };
  }
  const digest = createHash('sha256').update(bytes).digest('hex');
  let pub: KeyObject | null;
  try {
    pub = loadPublicKey(cfg);
  } catch {
    return { status: 'bad_signature', reason: 'public key unreadable', digest };
  }
  if (!pub) return { status: 'bad_signature', reason: 'no public key', digest };
  let sig: Buffer;
  try {
    sig = Buffer.from(readFileSync(cfg.signaturePath, 'utf8').trim(), 'base64');
  } catch {
    return { status: 'bad_signature', reason: 'signature missing', digest };
  }
  if (sig.length !== 64 || !verify(null, bytes, pub, sig)) return { status: 'bad_signature', reason: 'signature does not verify', digest };
  let manifest: Manifest;
  try {
    manifest = JSON.parse(bytes.toString('utf8')) as Manifest;
  } catch {
    return { status: 'bad_signature', reason: 'manifest unparseable', digest };
  }
  if (manifest.format !== manifestFormat || !Array.isArray(manifest.scope) || typeof manifest.files !== 'object') {
    return { status: 'bad_signature', reason: 'unknown manifest format', digest };
  }
  return { status: 'ok', manifest, digest };
}

// ---------- verification ----------

export interface VerifyResult {
  discrepancies: Discrepancy[];
  files: number;
  hashed: number;
  full: boolean;
  ms: number;
}

/**
 * Verifies a tree against a manifest. Keeps, per file, the stat (size, mtime, ctime, inode) seen when
 * it was last hashed and found equal; a quick round hashes only files whose stat differs (ctime cannot
 * be set back from user space, so `touch -d` does not hide a change), a full round hashes everything.
 */
export class TreeVerifier {
  private known = new Map<string, FileStat>();

  constructor(
    readonly root: string,
    readonly manifest: Manifest,
  ) {}

  async verify(opts: { full: boolean }): Promise<VerifyResult> {
    const t0 = performance.now();
    const tree = await walkTree(this.root, this.manifest.scope);
    const discrepancies: Discrepancy[] = [];
    const toHash: string[] = [];
    for (const [path, st] of tree) {
      const expected = this.manifest.files[path];
      if (!expected) {
        discrepancies.push({ kind: 'added', path, expected: null, observed: null });
        continue;
      }
      const k = this.known.get(path);
      if (!opts.full && k && k.type === st.type && k.size === st.size && k.mtimeMs === st.mtimeMs && k.ctimeMs === st.ctimeMs && k.ino === st.ino) continue;
      toHash.push(path);
    }
    for (const path of Object.keys(this.manifest.files)) {
      if (!tree.has(path)) {
        discrepancies.push({ kind: 'removed', path, expected: describe(this.manifest.files[path]), observed: null });
        this.known.delete(path);
      }
    }
    await sliced(toHash, async (path) => {
      const st = tree.get(path)!;
      const expected = this.manifest.files[path]!;
      let observed: ManifestEntry;
      try {
        observed = await entryOf(this.root, path, st);
      } catch {
        discrepancies.push({ kind: 'removed', path, expected: describe(expected), observed: null });
        return;
      }
      if (sameEntry(expected, observed)) this.known.set(path, st);
      else {
        this.known.delete(path);
        discrepancies.push({ kind: 'modified', path, expected: describe(expected), observed: describe(observed) });
      }
    });
    discrepancies.sort((a, b) => a.path.localeCompare(b.path) || a.kind.localeCompare(b.kind));
    for (const d of discrepancies) if (d.kind === 'added') d.observed = await this.observe(d.path, tree.get(d.path)!);
    return { discrepancies, files: tree.size, hashed: toHash.length, full: opts.full, ms: performance.now() - t0 };
  }

  /**
   * Verifies only the given paths (relative to root, '/' separators): what a file watcher reports as
   * changed. A path outside the manifest's scope is ignored; a folder is walked.
   */
  async verifyPaths(paths: Iterable<string>): Promise<Discrepancy[]> {
    const scope = this.manifest.scope.map((s) => s.replace(/^\.?\/+|\/+$/g, ''));
    const inScope = (p: string) => !p.split('/').includes('..') && scope.some((s) => p === s || p.startsWith(`${s}/`));
    const wanted = [...new Set(paths)].filter(inScope);
    const tree = await walkTree(this.root, wanted);
    const discrepancies: Discrepancy[] = [];
    for (const path of wanted) {
      // Gone: the file itself, or every manifest entry below a folder that was removed.
      const below = Object.keys(this.manifest.files).filter((f) => (f === path || f.startsWith(`${path}/`)) && !tree.has(f));
      for (const f of below) {
        this.known.delete(f);
        discrepancies.push({ kind: 'removed', path: f, expected: describe(this.manifest.files[f]), observed: null });
      }
    }
    for (const [path, st] of tree) {
      const expected = this.manifest.files[path];
      if (!expected) {
        discrepancies.push({ kind: 'added', path, expected: null, observed: await this.observe(path, st) });
        continue;
      }
      let observed: ManifestEntry;
      try {
        observed = await entryOf(this.root, path, st);
      } catch {
        discrepancies.push({ kind: 'removed', path, expected: describe(expected), observed: null });
        continue;
      }
      if (sameEntry(expected, observed)) this.known.set(path, st);
      else {
        this.known.delete(path);
        discrepancies.push({ kind: 'modified', path, expected: describe(expected), observed: describe(observed) });
      }
    }
    return discrepancies.sort((a, b) => a.path.localeCompare(b.path) || a.kind.localeCompare(b.kind));
  }

  private async observe(path: string, st: FileStat): Promise<string | null> {
    if (st.type === 'file' && st.size > 64 * 1024 * 1024) return `size:${st.size}`;
    try {
      return describe(await entryOf(this.root, path, st));
    } catch {
      return null;
    }
  }
}
