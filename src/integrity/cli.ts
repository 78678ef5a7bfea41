import { loadConfig } from '../platform/config.ts';
import { integrityConfig } from './config.ts';
import { createBaseline, keyFingerprint, loadManifest, loadPublicKey, TreeVerifier } from './files/manifest.ts';

type Command = { summary: string; run(args: string[]): Promise<number> };

/**
 * `omamori integrity baseline`: hash the deployed tree and sign the manifest (run at deploy time,
 * after `npm ci` and the build). `omamori integrity verify`: check the tree now; exit 1 on any finding.
 */
export const integrityCommand: Command = {
  summary: 'integrity baseline | verify: sign a manifest of the deployed files (at deploy time) or check the files against it',
  async run(args) {
    const cfg = integrityConfig(loadConfig());
    const sub = args[0];
    if (sub === 'baseline') {
      const made = await createBaseline(cfg);
      if (made.keyCreated) console.log(`created the signing key ${cfg.privateKeyPath} (0600) and ${cfg.publicKeyPath}`);
      console.log(`baseline of ${cfg.root}: ${made.files} files in ${Math.round(made.ms)} ms, signed with Ed25519 key ${made.fingerprint}`);
      console.log(`manifest: ${cfg.manifestPath}`);
      return 0;
    }
    if (sub === 'verify') {
      const loaded = loadManifest(cfg);
      if (loaded.status === 'missing') {
        console.error(`no baseline at ${cfg.manifestPath}: run \`omamori integrity baseline\` at deploy time`);
        return 1;
      }
      if (loaded.status === 'bad_signature') {
        console.error(`FINDING bad_signature manifest.json: ${loaded.reason}`);
        return 1;
      }
      const r = await new TreeVerifier(cfg.root, loaded.manifest).verify({ full: true });
      for (const d of r.discrepancies) console.log(`FINDING ${d.kind} ${d.path}`);
      const key = loadPublicKey(cfg);
      console.log(`${r.files} files verified in ${Math.round(r.ms)} ms against the baseline of ${loaded.manifest.createdAt} (key ${key ? keyFingerprint(key) : '?'}): ${r.discrepancies.length ? `${r.discrepancies.length} finding(s)` : 'no findings'}`);
      return r.discrepancies.length ? 1 : 0;
    }
    console.error('usage: omamori integrity baseline | verify');
    return 2;
  },
};
