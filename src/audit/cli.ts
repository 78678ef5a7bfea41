import pino from 'pino';
import { loadConfig, type Config } from '../platform/config.ts';
import { openDatabase, type Db } from '../platform/db/database.ts';
import { migrate } from '../platform/db/migrate.ts';
import { auditKeyPaths } from './keys.ts';
import { createCheckpoint } from './service.ts';
import { AuditSink, auditDir } from './sink.ts';
import { verifyAudit } from './verify.ts';

type Command = { summary: string; run(args: string[]): Promise<number> };
type Out = Pick<Console, 'log' | 'error'>;

const usage = 'usage: omamori audit verify [--jsonl] | audit checkpoint';

/**
 * `omamori audit verify [--jsonl]`: recompute the chain, check every signed checkpoint and that the
 * tail is not shorter than the last one; with --jsonl also cross-check DATA_DIR/audit/*.jsonl.
 * Exit 0 when clean, 1 on any finding (each printed), 2 on a usage error.
 * `omamori audit checkpoint`: sign the chain's tail now (also written to the JSON-lines files).
 */
export async function runAudit(args: string[], db: Db, config: Config, out: Out = console): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'verify') {
    const unknown = rest.filter((a) => a !== '--jsonl');
    if (unknown.length) {
      out.error(usage);
      return 2;
    }
    const r = await verifyAudit(db, config, { jsonl: rest.includes('--jsonl') });
    for (const f of r.findings) out.log(`FINDING ${f.kind}${f.seq !== undefined ? ` at entry ${f.seq}` : ''}: ${f.message}`);
    if (r.moreFindings) out.log(`... and ${r.moreFindings} more finding(s)`);
    if (r.firstBrokenSeq !== null) out.log(`first broken sequence number: ${r.firstBrokenSeq}`);
    const cp = r.lastCheckpointSeq === null ? 'no checkpoint yet' : `${r.checkpoints} checkpoint(s), the last covering entry ${r.lastCheckpointSeq}`;
    const n = r.findings.length + r.moreFindings;
    out.log(`audit trail: ${r.entries} entries (tail ${r.tailSeq} ${r.tailHash.slice(0, 16)}), ${cp}${rest.includes('--jsonl') ? ', JSON-lines files cross-checked' : ''}, ${Math.round(r.ms)} ms: ${n ? `${n} finding(s)` : 'intact'}`);
    return n ? 1 : 0;
  }
  if (sub === 'checkpoint' && rest.length === 0) {
    const cp = await createCheckpoint(db, config, { force: true });
    if (!cp) return 1;
    if (config.auditJsonl) await new AuditSink(db, auditDir(config.dataDir), pino({ level: 'silent' })).writeCheckpoint(cp);
    out.log(`checkpoint #${cp.id}: entry ${cp.seq} ${cp.hash.slice(0, 16)} signed with Ed25519 key ${cp.key_id}${config.auditSigningKey ? '' : ` (${auditKeyPaths(config).privateKeyPath})`}`);
    return 0;
  }
  out.error(usage);
  return 2;
}

export const auditCommand: Command = {
  summary: 'audit verify [--jsonl] | checkpoint: check the tamper-evident audit trail (exit 1 on any finding) or sign its tail now',
  async run(args) {
    const config = loadConfig();
    if (args[0] !== 'verify' && args[0] !== 'checkpoint') {
      console.error(usage);
      return 2;
    }
    const handle = await openDatabase(config);
    try {
      await migrate(handle);
      return await runAudit(args, handle.db, config);
    } finally {
      await handle.close();
    }
  },
};
