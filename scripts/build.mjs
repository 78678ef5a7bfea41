#!/usr/bin/env node
// Bundles the server into dist/main.js (dependencies stay in node_modules). Running a bundle
// instead of compiling TypeScript at start halves start-up time and memory. Also rebuilds the
// first-party browser scripts under static/js/ (scripts/browser-bundles.mjs).
import { build } from 'esbuild';
import { browserBuildOptions, browserBundles } from './browser-bundles.mjs';

await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/main.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  legalComments: 'none',
});

for (const bundle of browserBundles) await build(browserBuildOptions(bundle));
