import { loadConfig } from '../platform/config.ts';
import { openDatabase } from '../platform/db/database.ts';
import { migrate } from '../platform/db/migrate.ts';
import { openVault } from './open.ts';
import type { EncryptedTableSpec } from './registry.ts';
import { keyStatus, rotateDek, rotateKek } from './rotation.ts';

type Command = { summary: string; run(args: string[]): Promise<number> };

const usage = 'usage: omamori keys status | keys rotate --kek | keys rotate --dek TABLE [--batch N] [--pk COLUMN --columns A,B]';

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/**
 * `omamori keys status`: master key versions, data keys per table and version, recent rotations (never a key).
 * `omamori keys rotate --kek`: new master key (key file provider; env: set the new key first), data keys re-wrapped.
 * `omamori keys rotate --dek TABLE`: new data key for TABLE, every value re-encrypted in batches, old version retired.
 * Both resume when interrupted. On PostgreSQL they run beside the serving store; the embedded database (PGlite)
 * admits one process, so there stop the store first.
 */
/** The command over the store's encrypted tables (src/app/encrypted-tables.ts, passed in by src/cli/main.ts). */
export const keysCommand = (encryptedTables: readonly EncryptedTableSpec[]): Command => ({
  summary: 'keys status | rotate --kek | rotate --dek TABLE: field-encryption keys and their rotation',
  async run(args) {
    const [sub] = args;
    if (sub !== 'status' && sub !== 'rotate') {
      console.error(usage);
      return 2;
    }
    const config = loadConfig();
    const handle = await openDatabase(config);
    try {
      await migrate(handle);
      const vault = await openVault(config, handle);
      try {
        if (sub === 'status') {
          const s = await keyStatus(handle.db);
          console.log(`master key provider: ${vault.provider.kind}, current ${await vault.provider.currentKekId()}`);
          for (const k of s.keks) console.log(`  master ${k.id} (${k.provider}) ${k.state}${k.retired_at ? ` since ${k.retired_at.toISOString()}` : ''}`);
          console.log('data keys:');
          for (const k of s.keys) console.log(`  ${String(k.id).padStart(4)}  ${k.scope} v${k.version} ${k.purpose} ${k.state} wrapped by ${k.kek_id}`);
          const running = s.rotations.filter((r) => r.status === 'running');
          for (const r of running) console.log(`rotation RUNNING: ${r.kind} ${r.scope} → ${r.target}, ${r.rows_done} rows in ${r.batches_done} batches, at ${r.cursor ?? 'start'} (run \`omamori keys rotate\` again to resume)`);
          const last = s.rotations.find((r) => r.status === 'done');
          if (last) console.log(`last finished rotation: ${last.kind} ${last.scope} at ${last.finished_at?.toISOString()}`);
          return 0;
        }
        const log = (m: string) => console.log(m);
        if (args.includes('--kek')) {
          const r = await rotateKek(vault, { createNew: vault.provider.kind !== 'env', log });
          if (!r.rewrapped && !r.retired.length) console.log('nothing to re-wrap: every data key is already under the current master key');
          return 0;
        }
        const table = flag(args, '--dek');
        if (!table) {
          console.error(usage);
          return 2;
        }
        const columns = flag(args, '--columns');
        const spec: EncryptedTableSpec | undefined = columns ? { table, primaryKey: flag(args, '--pk') ?? 'id', columns: columns.split(',') } : encryptedTables.find((s) => s.table === table);
        if (!spec) {
          console.error(`${table} is not a registered encrypted table (src/app/encrypted-tables.ts); known: ${encryptedTables.map((s) => s.table).join(', ') || 'none yet'}`);
          return 2;
        }
        const batch = Number(flag(args, '--batch') ?? 500);
        const r = await rotateDek(vault, spec, { batchSize: batch, log });
        console.log(`${r.table}: every value is under key ${r.targetKeyId}${r.resumed ? ' (resumed)' : ''}`);
        return 0;
      } finally {
        await vault.close();
      }
    } finally {
      await handle.close();
    }
  },
});
