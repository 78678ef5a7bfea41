import { createReadStream } from 'node:fs';
import { lstat, open, opendir, realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { createGunzip } from 'node:zlib';
import { PanScanner, redactText, type PanFind } from './pan-scanner.ts';

/**
 * File side of the card-number scan. Every regular file is scanned as bytes, whatever its type: a card
 * number written as ASCII or UTF-8 inside a "binary" file (a database dump, a spreadsheet export, a
 * core file) is still a card number, and random binary data practically never holds a Luhn-valid,
 * brand-prefixed 13–19 digit run, so this costs no false alarms. `.gz` files are decompressed on the
 * fly (offsets then count decompressed bytes). Other compressed or encrypted containers (zip, xlsx,
 * encrypted backups) cannot be inspected: they are scanned as bytes and listed as "opaque".
 * Symbolic links are not followed (no loops, nothing outside the scanned roots).
 */

export interface FileFind {
  /** Path as shown in reports (any card-like number in it masked). */
  path: string;
  offset: number;
  line: number;
  brand: PanFind['brand'];
  masked: string;
  /** Set for .gz files: the offset is inside the decompressed content. */
  decompressed?: boolean;
}

export interface FileScanStats {
  files: number;
  bytes: number;
  finds: FileFind[];
  skipped: Array<{ path: string; reason: string }>;
  opaque: string[];
  errors: Array<{ path: string; error: string }>;
}

export function emptyFileStats(): FileScanStats {
  return { files: 0, bytes: 0, finds: [], skipped: [], opaque: [], errors: [] };
}

const CHUNK = 1 << 20;
const OPAQUE = /\.(zip|7z|xz|bz2|zst|rar|xlsx|docx|pptx|odt|ods|enc|gpg|age)$/i;

/** Scans one file as a byte stream with a reused 1 MiB buffer; returns the finds with byte offsets. */
export async function scanFileBytes(path: string, scratch: Buffer = Buffer.allocUnsafe(CHUNK), opts: { raw?: boolean } = {}): Promise<{ bytes: number; finds: PanFind[] }> {
  const finds: PanFind[] = [];
  const scanner = new PanScanner((f) => finds.push(f));
  if (path.endsWith('.gz') && !opts.raw) {
    for await (const chunk of createReadStream(path).pipe(createGunzip())) scanner.push(chunk as Buffer);
    scanner.end();
    return { bytes: scanner.position, finds };
  }
  const fh = await open(path, 'r');
  try {
    for (;;) {
      const { bytesRead } = await fh.read(scratch, 0, scratch.length, null);
      if (bytesRead === 0) break;
      scanner.push(scratch, 0, bytesRead);
    }
  } finally {
    await fh.close();
  }
  scanner.end();
  return { bytes: scanner.position, finds };
}

/** Line numbers (1-based) of byte offsets, by a second pass over a file that had finds (rare). */
export async function lineNumbers(path: string, offsets: number[], gunzip = path.endsWith('.gz')): Promise<number[]> {
  const sorted = [...offsets].sort((a, b) => a - b);
  const lineAt = new Map<number, number>();
  let line = 1;
  let pos = 0;
  let k = 0;
  const stream = gunzip ? createReadStream(path).pipe(createGunzip()) : createReadStream(path, { highWaterMark: CHUNK });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let at = 0;
    while (k < sorted.length && sorted[k]! < pos + chunk.length) {
      const target = sorted[k]! - pos;
      for (let nl = chunk.indexOf(10, at); nl !== -1 && nl < target; nl = chunk.indexOf(10, nl + 1)) {
        line++;
        at = nl + 1;
      }
      if (at < target) at = target;
      lineAt.set(sorted[k]!, line);
      k++;
    }
    for (let nl = chunk.indexOf(10, at); nl !== -1; nl = chunk.indexOf(10, nl + 1)) line++;
    pos += chunk.length;
    if (k >= sorted.length) break;
  }
  return offsets.map((o) => lineAt.get(o) ?? line);
}

export interface WalkOptions {
  /** Absolute real paths not to enter, with the reason shown in the report. */
  exclude?: Map<string, string>;
  /** Real paths already scanned in this run (files reachable from two roots are scanned once). */
  seen?: Set<string>;
  /** Shown paths are relative to this folder when inside it. */
  displayBase?: string;
}

/** Scans a file or a folder recursively, adding to `stats`. */
export async function scanPath(root: string, stats: FileScanStats, opts: WalkOptions = {}): Promise<void> {
  const scratch = Buffer.allocUnsafe(CHUNK);
  const seen = opts.seen ?? new Set<string>();
  const show = (p: string) => redactText(opts.displayBase && p.startsWith(opts.displayBase + sep) ? relative(opts.displayBase, p) || p : p);

  const visitFile = async (path: string) => {
    let real: string;
    try {
      real = await realpath(path);
    } catch (err) {
      stats.errors.push({ path: show(path), error: (err as NodeJS.ErrnoException).code ?? 'unreadable' });
      return;
    }
    if (seen.has(real)) return;
    seen.add(real);
    try {
      let result;
      try {
        result = await scanFileBytes(path, scratch);
      } catch (err) {
        // a damaged or mislabelled .gz is still scanned, as raw bytes
        if (!path.endsWith('.gz')) throw err;
        result = await scanFileBytes(path, scratch, { raw: true });
        stats.opaque.push(show(path));
      }
      const { bytes, finds } = result;
      const gz = path.endsWith('.gz') && !stats.opaque.includes(show(path));
      stats.files++;
      stats.bytes += bytes;
      if (OPAQUE.test(path)) stats.opaque.push(show(path));
      if (finds.length) {
        const lines = await lineNumbers(path, finds.map((f) => f.offset), gz);
        finds.forEach((f, i) => stats.finds.push({ path: show(path), offset: f.offset, line: lines[i]!, brand: f.brand, masked: f.masked, ...(gz ? { decompressed: true } : {}) }));
      }
    } catch (err) {
      stats.errors.push({ path: show(path), error: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
    }
  };

  const visit = async (path: string): Promise<void> => {
    let st;
    try {
      st = await lstat(path);
    } catch (err) {
      stats.errors.push({ path: show(path), error: (err as NodeJS.ErrnoException).code ?? 'unreadable' });
      return;
    }
    if (st.isSymbolicLink()) {
      stats.skipped.push({ path: show(path), reason: 'symbolic link (not followed)' });
      return;
    }
    if (st.isDirectory()) {
      const real = await realpath(path).catch(() => path);
      const why = opts.exclude?.get(real);
      if (why) {
        stats.skipped.push({ path: show(path), reason: why });
        return;
      }
      let dir;
      try {
        dir = await opendir(path);
      } catch (err) {
        stats.errors.push({ path: show(path), error: (err as NodeJS.ErrnoException).code ?? 'unreadable' });
        return;
      }
      const names: string[] = [];
      for await (const entry of dir) names.push(entry.name);
      names.sort();
      for (const name of names) await visit(join(path, name));
      return;
    }
    if (st.isFile()) return visitFile(path);
    stats.skipped.push({ path: show(path), reason: 'not a regular file' });
  };

  await visit(root);
}
