import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../platform/paths.ts';

/**
 * A CycloneDX SBOM (JSON) of the running build, made on demand by @cyclonedx/cyclonedx-npm from the installed
 * node_modules (what is deployed, not only what the lockfile says). Fixed arguments only.
 */
export function cycloneDxSbom(opts: { omitDev?: boolean } = {}): Promise<string> {
  const bin = join(projectRoot, 'node_modules', '.bin', 'cyclonedx-npm');
  const args = ['--output-format', 'JSON', '--output-reproducible', '--flatten-components', ...(opts.omitDev === false ? [] : ['--omit', 'dev']), '--output-file', '-'];
  return new Promise((resolve, reject) => {
    execFile(bin, args, { cwd: projectRoot, timeout: 180_000, maxBuffer: 128 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`cyclonedx-npm failed: ${String(stderr).slice(0, 500) || err.message}`));
      else resolve(String(stdout));
    });
  });
}
