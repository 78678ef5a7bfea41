import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { staticDir } from '../paths.ts';
import { html, type SafeHtml } from './html.ts';

export { staticDir };

interface AssetInfo {
  /** Cache-busting version: the first 12 hex digits of the content's SHA-256. */
  version: string;
  /** Subresource Integrity value, `sha384-<base64>`, or null when the file is missing. */
  integrity: string | null;
}

const assets = new Map<string, AssetInfo>();

/**
 * Reads a file under static/ once per process and remembers its version and SRI hash. The hash is
 * taken from the bytes on disk at first use (in practice at start): a file changed on disk later
 * no longer matches the pages' `integrity` and browsers refuse to run or apply it (T1/T6), while the
 * file-integrity check (src/integrity) reports the change.
 */
function info(path: string): AssetInfo {
  let a = assets.get(path);
  if (a === undefined) {
    if (path.includes('..') || path.startsWith('/')) throw new Error(`asset path must stay under static/: ${path}`);
    try {
      const bytes = readFileSync(staticDir + path);
      a = {
        version: createHash('sha256').update(bytes).digest('hex').slice(0, 12),
        integrity: `sha384-${createHash('sha384').update(bytes).digest('base64')}`,
      };
    } catch {
      a = { version: 'missing', integrity: null };
    }
    assets.set(path, a);
  }
  return a;
}

/** A cache-busting URL for a file under static/, versioned by its content hash (read once). */
export function assetUrl(path: string): string {
  return `/static/${path}?v=${info(path).version}`;
}

/** The Subresource Integrity value (`sha384-...`) of a file under static/, or null when it is missing. */
export function assetIntegrity(path: string): string | null {
  return info(path).integrity;
}

/**
 * ` integrity="sha384-..." crossorigin="anonymous"` for a script or stylesheet tag (T6). A missing
 * file gets an integrity value that matches nothing, so the browser loads nothing rather than
 * whatever appears at that URL later.
 */
export function assetAttrs(path: string): SafeHtml {
  const integrity = info(path).integrity ?? 'sha384-missing';
  return html` integrity="${integrity}" crossorigin="anonymous"`;
}

/**
 * The tag for a first-party asset with its SRI hash: `<script defer>` for .js/.mjs, `<link rel="stylesheet">`
 * for .css. Layouts use this for every script and stylesheet.
 */
export function assetTag(path: string): SafeHtml {
  if (/\.m?js$/.test(path)) return html`<script src="${assetUrl(path)}"${assetAttrs(path)} defer></script>`;
  if (path.endsWith('.css')) return html`<link rel="stylesheet" href="${assetUrl(path)}"${assetAttrs(path)}>`;
  throw new Error(`assetTag: not a script or stylesheet: ${path}`);
}
