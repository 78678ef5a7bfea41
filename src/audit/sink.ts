import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Db } from '../platform/db/database.ts';
import { toRecord, type AuditRecord } from './chain.ts';

/** One line of DATA_DIR/audit/audit-YYYY-MM-DD.jsonl. */
export type JsonlLine =
  | ({ type: 'entry' } & Omit<AuditRecord, 'at'> & { at: string })
  | { type: 'checkpoint'; seq: number; hash: string; at: string; key_id: string; signature: string };

const fileRe = /^audit-\d{4}-\d{2}-\d{2}\.jsonl$/;

export function auditDir(dataDir: string): string {
  return join(dataDir, 'audit');
}

function fileFor(dir: string, at: Date): string {
  return join(dir, `audit-${at.toISOString().slice(0, 10)}.jsonl`);
}

export function jsonlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => fileRe.test(f)).sort().map((f) => join(dir, f));
}

/** Every line of every file, oldest file first; a line that is not valid JSON is returned as `bad`. */
export function* readJsonl(dir: string): Generator<{ file: string; line: number; value: JsonlLine | null }> {
  for (const file of jsonlFiles(dir)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const text = lines[i]!;
      if (!text.trim()) continue;
      let value: JsonlLine | null = null;
      try {
        value = JSON.parse(text) as JsonlLine;
      } catch {
        value = null;
      }
      yield { file, line: i + 1, value };
    }
  }
}

function lastShippedSeq(dir: string): number {
  const files = jsonlFiles(dir);
  for (let f = files.length - 1; f >= 0; f--) {
    const lines = readFileSync(files[f]!, 'utf8').split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      try {
        const v = JSON.parse(lines[i]!) as JsonlLine;
        if (v.type === 'entry' && Number.isSafeInteger(v.seq)) return v.seq;
      } catch {
        // a torn last line (crash mid-write) is skipped; the entry is written again
      }
    }
  }
  return 0;
}

/**
 * The JSON-lines copy of the audit trail, for a log shipper to take off the host. Entries are
 * written after they commit, in sequence order, by reading the table from the last seq already in
 * the files (so a rolled-back entry never appears and a crash between commit and write loses
 * nothing: the next flush catches up). Files are opened in append mode only ('a', O_APPEND).
 * One writer per DATA_DIR: with several instances on a shared DATA_DIR, enable it on one
 * (AUDIT_JSONL=0 on the others).
 */
export class AuditSink {
  private cursor: number | null = null;
  private queue: Promise<void> = Promise.resolve();
  private kicked = false;

  constructor(
    private readonly db: Db,
    readonly dir: string,
    private readonly log: Logger,
  ) {}

  /** Writes every committed entry not yet in the files. Calls are serialized. */
  flush(): Promise<void> {
    return this.enqueue(() => this.pump());
  }

  /** A flush soon, coalesced: many commits in a burst cost one pass. */
  kick(): Promise<void> {
    if (this.kicked) return this.queue;
    this.kicked = true;
    return this.enqueue(async () => {
      this.kicked = false;
      await this.pump();
    }).catch(() => undefined);
  }

  /** Appends a checkpoint line after the entries it covers. */
  writeCheckpoint(cp: { seq: number; hash: string; at: Date; key_id: string; signature: string }): Promise<void> {
    return this.enqueue(async () => {
      await this.pump();
      this.append(cp.at, { type: 'checkpoint', seq: cp.seq, hash: cp.hash, at: cp.at.toISOString(), key_id: cp.key_id, signature: cp.signature });
    });
  }

  private enqueue(fn: () => Promise<void>): Promise<void> {
    const next = this.queue.then(fn);
    this.queue = next.catch((err: unknown) => this.log.error({ err }, 'audit: JSON-lines sink write failed'));
    return next;
  }

  private async pump() {
    if (this.cursor === null) {
      mkdirSync(this.dir, { recursive: true, mode: 0o750 });
      this.cursor = lastShippedSeq(this.dir);
    }
    for (;;) {
      const rows = await this.db.selectFrom('audit_entry').selectAll().where('seq', '>', this.cursor).orderBy('seq').limit(1000).execute();
      if (!rows.length) return;
      for (const row of rows) {
        const r = toRecord(row as unknown as Record<string, unknown>);
        this.append(r.at, { type: 'entry', ...r, at: r.at.toISOString() });
        this.cursor = r.seq;
      }
    }
  }

  private append(at: Date, line: JsonlLine) {
    appendFileSync(fileFor(this.dir, at), `${JSON.stringify(line)}\n`, { flag: 'a', mode: 0o640 });
  }
}
