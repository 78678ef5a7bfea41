// First-party browser scripts, bundled from TypeScript into static/js/ (served with SRI, see
// src/platform/http/assets.ts). The output is committed, so a running store needs no build step; a
// test (src/identity/passkeys/bundle.test.ts) checks it matches its sources.
export const browserBundles = [{ entry: 'src/identity/passkeys/browser/passkeys.ts', outfile: 'static/js/passkeys.js' }];

/** esbuild options for one bundle: plain ES2020, no source map, deterministic output. */
export function browserBuildOptions(bundle) {
  return {
    entryPoints: [bundle.entry],
    outfile: bundle.outfile,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'warning',
  };
}
