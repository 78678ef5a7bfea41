import type { Db } from '../platform/db/database.ts';
import { entryHash, genesisHash, toRecord } from './chain.ts';
import { checkpointSignatureValid, keyId, loadPublicKey, type AuditKeyConfig } from './keys.ts';
import { auditDir, readJsonl } from './sink.ts';

export type AuditFindingKind =
  | 'gap' // entries missing between two sequence numbers (deleted rows)
  | 'hash_mismatch' // an entry's content no longer matches its hash (edited, or moved to another seq)
  | 'broken_link' // an entry's prev_hash is not the previous entry's hash (deleted, inserted or reordered)
  | 'bad_signature' // a checkpoint's signature does not verify with the audit public key
  | 'checkpoint_mismatch' // a signed checkpoint's seq/hash is no longer in the chain (chain rewritten)
  | 'checkpoint_order' // a later checkpoint covers fewer entries than an earlier one
  | 'truncated' // the chain ends before a checkpoint (or the JSON-lines copy) says it did
  | 'no_key' // checkpoints exist but no public key is available to verify them
  | 'jsonl_mismatch' // the JSON-lines copy and the database disagree about an entry
  | 'jsonl_missing' // an entry inside the copied range is missing from the JSON-lines files
  | 'jsonl_bad_line' // a JSON-lines line is unreadable or its hash does not match its content
  | 'jsonl_checkpoint_missing'; // a signed checkpoint in the files is gone from the database

export interface AuditFinding {
  kind: AuditFindingKind;
  seq?: number;
  message: string;
}

export interface AuditVerifyResult {
  ok: boolean;
  entries: number;
  tailSeq: number;
  tailHash: string;
  checkpoints: number;
  lastCheckpointSeq: number | null;
  /** The lowest sequence number where the chain is broken (null when it is not). */
  firstBrokenSeq: number | null;
  findings: AuditFinding[];
  /** Findings beyond the first 200 are counted, not listed. */
  moreFindings: number;
  ms: number;
  at: Date;
}

const maxListed = 200;
const batch = 2000;

/**
 * Verifies the audit trail: recomputes every entry's hash and link in sequence order, checks each
 * checkpoint's Ed25519 signature and that its (seq, hash) is still in the chain, and that the chain
 * is not shorter than the last checkpoint (truncation). With `jsonl`, also cross-checks the
 * JSON-lines files in DATA_DIR/audit against the database (entries and checkpoints).
 * Read-only. Memory: with `jsonl`, one (seq → hash) map of the files.
 */
export async function verifyAudit(db: Db, config: AuditKeyConfig, opts: { jsonl?: boolean } = {}): Promise<AuditVerifyResult> {
  const started = performance.now();
  const findings: AuditFinding[] = [];
  let more = 0;
  let firstBroken: number | null = null;
  const add = (f: AuditFinding, chain = false) => {
    if (chain && f.seq !== undefined) firstBroken = firstBroken === null ? f.seq : Math.min(firstBroken, f.seq);
    if (findings.length < maxListed) findings.push(f);
    else more += 1;
  };

  const checkpoints = (await db.selectFrom('audit_checkpoint').selectAll().orderBy('id').execute()).map((c) => ({ ...c, seq: Number(c.seq), id: Number(c.id) }));
  const wanted = new Map<number, Array<(typeof checkpoints)[number]>>();
  for (const c of checkpoints) wanted.set(c.seq, [...(wanted.get(c.seq) ?? []), c]);

  // The JSON-lines copy, read first so the database pass can compare as it goes.
  const fileEntries = new Map<number, string>();
  const fileCheckpoints: Array<{ seq: number; hash: string; at: string; key_id: string; signature: string }> = [];
  let fileMaxSeq = 0;
  if (opts.jsonl) {
    for (const { file, line, value } of readJsonl(auditDir(config.dataDir))) {
      const where = `${file.split('/').pop()}:${line}`;
      if (!value || (value.type !== 'entry' && value.type !== 'checkpoint')) {
        add({ kind: 'jsonl_bad_line', message: `${where}: not an audit line` });
        continue;
      }
      if (value.type === 'checkpoint') {
        fileCheckpoints.push(value);
        continue;
      }
      const { type: _type, hash, ...rest } = value;
      let recomputed = '';
      try {
        recomputed = entryHash({ ...rest, at: new Date(rest.at) });
      } catch {
        recomputed = '';
      }
      if (recomputed !== hash) add({ kind: 'jsonl_bad_line', seq: value.seq, message: `${where}: entry ${value.seq} does not match its hash (the file was edited)` });
      const seen = fileEntries.get(value.seq);
      if (seen !== undefined && seen !== hash) add({ kind: 'jsonl_mismatch', seq: value.seq, message: `${where}: entry ${value.seq} appears twice with different hashes` });
      fileEntries.set(value.seq, hash);
      fileMaxSeq = Math.max(fileMaxSeq, value.seq);
    }
  }

  let expected = 1;
  let prevHash = genesisHash;
  let entries = 0;
  let tailHash = genesisHash;
  let after = 0;
  const found = new Map<number, string>(); // checkpoint seqs only: seq → hash in the chain
  for (;;) {
    const rows = await db.selectFrom('audit_entry').selectAll().where('seq', '>', after).orderBy('seq').limit(batch).execute();
    if (!rows.length) break;
    for (const raw of rows) {
      const r = toRecord(raw as unknown as Record<string, unknown>);
      entries += 1;
      if (r.seq !== expected) {
        add({ kind: 'gap', seq: expected, message: r.seq - expected === 1 ? `entry ${expected} is missing (deleted)` : `entries ${expected}..${r.seq - 1} are missing (deleted)` }, true);
      }
      if (entryHash(r) !== r.hash) add({ kind: 'hash_mismatch', seq: r.seq, message: `entry ${r.seq}: content does not match its hash (edited or moved)` }, true);
      if (r.prev_hash !== prevHash) add({ kind: 'broken_link', seq: r.seq, message: `entry ${r.seq}: previous hash does not match entry ${r.seq - 1} (deleted, inserted or reordered)` }, true);
      if (wanted.has(r.seq)) found.set(r.seq, r.hash);
      if (opts.jsonl) {
        const inFile = fileEntries.get(r.seq);
        if (inFile !== undefined) {
          if (inFile !== r.hash) add({ kind: 'jsonl_mismatch', seq: r.seq, message: `entry ${r.seq}: the database and the JSON-lines copy differ` }, true);
          fileEntries.delete(r.seq);
        } else if (r.seq < fileMaxSeq) {
          add({ kind: 'jsonl_missing', seq: r.seq, message: `entry ${r.seq} is in the database but not in the JSON-lines files` });
        }
      }
      prevHash = r.hash;
      tailHash = r.hash;
      expected = r.seq + 1;
      after = r.seq;
    }
  }
  const tailSeq = expected - 1;

  // Checkpoints: signature, still in the chain, chain not shorter.
  const publicKey = checkpoints.length || fileCheckpoints.length ? loadPublicKey(config) : null;
  const expectedKeyId = publicKey ? keyId(publicKey) : null;
  if ((checkpoints.length || fileCheckpoints.length) && !publicKey) add({ kind: 'no_key', message: 'checkpoints exist but no audit public key was found (AUDIT_PUBLIC_KEY or DATA_DIR/keys/audit-ed25519.pub)' });
  let highest = 0;
  for (const c of checkpoints) {
    if (publicKey && (c.key_id !== expectedKeyId || !checkpointSignatureValid(c, publicKey))) {
      add({ kind: 'bad_signature', seq: c.seq, message: `checkpoint #${c.id} (entry ${c.seq}): signature does not verify${c.key_id !== expectedKeyId ? ` (key ${c.key_id}, expected ${expectedKeyId})` : ''}` });
    }
    if (c.seq < highest) add({ kind: 'checkpoint_order', seq: c.seq, message: `checkpoint #${c.id} covers entry ${c.seq}, fewer than an earlier checkpoint (${highest})` });
    highest = Math.max(highest, c.seq);
    if (c.seq > tailSeq) continue; // reported once below as truncation
    if (c.seq === 0) {
      if (c.hash !== genesisHash) add({ kind: 'checkpoint_mismatch', seq: 0, message: `checkpoint #${c.id}: empty-chain checkpoint with a non-empty hash` });
      continue;
    }
    const inChain = found.get(c.seq);
    if (inChain === undefined) add({ kind: 'checkpoint_mismatch', seq: c.seq, message: `checkpoint #${c.id}: entry ${c.seq} is not in the chain` }, true);
    else if (inChain !== c.hash) add({ kind: 'checkpoint_mismatch', seq: c.seq, message: `checkpoint #${c.id}: entry ${c.seq} has a different hash than was signed (the chain was rewritten)` }, true);
  }
  const lastCheckpointSeq = checkpoints.length ? highest : null;
  if (lastCheckpointSeq !== null && lastCheckpointSeq > tailSeq) {
    add({ kind: 'truncated', seq: tailSeq + 1, message: `the chain ends at entry ${tailSeq} but a signed checkpoint covers entry ${lastCheckpointSeq}: the tail was truncated` }, true);
  }

  if (opts.jsonl) {
    // Entries in the files that the database no longer has beyond its tail: truncation.
    const beyond = [...fileEntries.keys()].filter((s) => s > tailSeq).sort((a, b) => a - b);
    if (beyond.length) add({ kind: 'truncated', seq: beyond[0], message: `the JSON-lines files hold entries ${beyond[0]}..${beyond[beyond.length - 1]} that the database does not: the tail was truncated` }, true);
    let truncationReported = beyond.length > 0 || (lastCheckpointSeq !== null && lastCheckpointSeq > tailSeq);
    const dbCheckpoints = new Set(checkpoints.map((c) => `${c.seq}:${c.hash}:${c.signature}`));
    for (const fc of fileCheckpoints) {
      const body = { seq: Number(fc.seq), hash: String(fc.hash), at: new Date(fc.at), key_id: String(fc.key_id), signature: String(fc.signature) };
      if (publicKey && (body.key_id !== expectedKeyId || !checkpointSignatureValid(body, publicKey))) {
        add({ kind: 'bad_signature', seq: body.seq, message: `JSON-lines checkpoint for entry ${body.seq}: signature does not verify` });
        continue;
      }
      if (!dbCheckpoints.has(`${body.seq}:${body.hash}:${body.signature}`)) add({ kind: 'jsonl_checkpoint_missing', seq: body.seq, message: `a signed checkpoint for entry ${body.seq} is in the JSON-lines files but not in the database` });
      if (body.seq > tailSeq && !truncationReported) {
        truncationReported = true;
        add({ kind: 'truncated', seq: tailSeq + 1, message: `the chain ends at entry ${tailSeq} but a signed checkpoint in the files covers entry ${body.seq}` }, true);
      }
    }
  }

  return {
    ok: findings.length === 0 && more === 0,
    entries,
    tailSeq,
    tailHash,
    checkpoints: checkpoints.length,
    lastCheckpointSeq,
    firstBrokenSeq: firstBroken,
    findings,
    moreFindings: more,
    ms: performance.now() - started,
    at: new Date(),
  };
}
