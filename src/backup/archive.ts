import { createWriteStream, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, type WriteStream } from 'node:fs';
import path from 'node:path';

/**
 * A minimal container for the files of a folder part: per file a 4-byte big-endian header length, a JSON header
 * `{path, mode, size}` and the file's bytes. Paths are relative, '/'-separated; symbolic links and special files
 * are not followed or kept.
 */
export interface ArchivedFile {
  /** Path relative to the part's root. */
  path: string;
  abs: string;
}

/** Regular files under `root` (recursively), sorted, minus those `skip` refuses. */
export function listFiles(root: string, skip: (abs: string, rel: string) => boolean = () => false): ArchivedFile[] {
  const out: ArchivedFile[] = [];
  const walk = (dir: string, rel: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir).sort()) {
      const abs = path.join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      if (skip(abs, r)) continue;
      const st = lstatSync(abs);
      if (st.isDirectory()) walk(abs, r);
      else if (st.isFile()) out.push({ path: r, abs });
    }
  };
  walk(root, '');
  return out;
}

export async function* packFiles(files: ArchivedFile[]): AsyncGenerator<Buffer> {
  for (const f of files) {
    // Read whole: a file appended to meanwhile (the audit JSON lines) is taken as it was at this moment.
    const bytes = readFileSync(f.abs);
    const header = Buffer.from(JSON.stringify({ path: f.path, mode: lstatSync(f.abs).mode & 0o777, size: bytes.length }), 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(header.length);
    yield Buffer.concat([len, header]);
    if (bytes.length) yield bytes;
  }
}

/** A relative path that stays inside the target folder (a hostile archive cannot write elsewhere). */
export function safeRelative(rel: string): string {
  const parts = rel.split('/');
  if (!rel || rel.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\') || p.includes('\0'))) {
    throw new Error(`refusing path ${JSON.stringify(rel)} in backup`);
  }
  return path.join(...parts);
}

export interface UnpackedFile {
  path: string;
  mode: number;
  size: number;
}

/**
 * Reads a packed stream. `open(header)` gives the writer for each file's bytes (or null to skip them).
 */
export async function unpackFiles(chunks: AsyncIterable<Buffer>, open: (file: UnpackedFile) => WriteStream | null): Promise<UnpackedFile[]> {
  const done: UnpackedFile[] = [];
  let buf: Buffer = Buffer.alloc(0);
  let current: { file: UnpackedFile; left: number; out: WriteStream | null } | null = null;
  const finish = async (c: { file: UnpackedFile; out: WriteStream | null }) => {
    if (c.out) await new Promise<void>((resolve, reject) => c.out!.end((err?: Error | null) => (err ? reject(err) : resolve())));
    done.push(c.file);
  };
  for await (const chunk of chunks) {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      if (current) {
        const take = Math.min(current.left, buf.length);
        if (take && current.out && !current.out.write(buf.subarray(0, take))) await new Promise<void>((r) => current!.out!.once('drain', () => r()));
        current.left -= take;
        buf = buf.subarray(take);
        if (current.left > 0) break;
        await finish(current);
        current = null;
      }
      if (buf.length < 4) break;
      const len = buf.readUInt32BE(0);
      if (len > 64 * 1024) throw new Error('backup archive: header too long (corrupt part)');
      if (buf.length < 4 + len) break;
      const h = JSON.parse(buf.subarray(4, 4 + len).toString('utf8')) as UnpackedFile;
      if (typeof h.path !== 'string' || !Number.isSafeInteger(h.size) || h.size < 0) throw new Error('backup archive: bad header (corrupt part)');
      buf = buf.subarray(4 + len);
      current = { file: { path: h.path, mode: (h.mode ?? 0o600) & 0o777, size: h.size }, left: h.size, out: open(h) };
    }
  }
  if (current && current.left === 0) await finish(current);
  if (current || buf.length) throw new Error('backup archive: truncated (corrupt part)');
  return done;
}

export function writerFor(root: string, file: UnpackedFile): WriteStream {
  const target = path.join(root, safeRelative(file.path));
  mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  return createWriteStream(target, { flags: 'wx', mode: file.mode || 0o600 });
}
