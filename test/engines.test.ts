import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// `npm install` must print no EBADENGINE warning on any Node version the README names.
const require = createRequire(import.meta.url);
const semver = require('semver') as typeof import('semver');
const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8')) as { packages: Record<string, { engines?: { node?: string } | string[]; optional?: boolean }> };
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { engines: { node: string } };
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

test('the README names the same minimum Node version as package.json', () => {
  const min = semver.minVersion(pkg.engines.node)!.version.replace(/\.0$/, '');
  assert.match(readme, new RegExp(`Node\\.js ${min.replace(/\./g, '\\.')} or newer`));
});

test('every package in the lockfile accepts the Node versions the README names', () => {
  const supported = [semver.minVersion(pkg.engines.node)!.version, '22.0.0', '24.0.0'];
  const refused: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    const range = entry.engines && !Array.isArray(entry.engines) ? entry.engines.node : undefined;
    if (!range || entry.optional) continue; // optional packages (platform binaries) are skipped by npm, not warned about
    for (const v of supported) if (!semver.satisfies(v, range)) refused.push(`${path} wants node ${range}, refuses ${v}`);
  }
  assert.deepEqual(refused, []);
});
