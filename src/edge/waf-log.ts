import { open, stat } from 'node:fs/promises';
import type { AppContext } from '../platform/context.ts';
import { recordSecurityEvent, type SecurityEventInput } from '../platform/security/event-stream.ts';
import { readEdgeStatus, writeWafLogState } from './status-row.ts';

/** One round reads at most this much of the log (a flood is caught up over the following rounds). */
const maxBytesPerRound = 4 * 1024 * 1024;

/**
 * ModSecurity v3's JSON audit log (SecAuditLogFormat JSON, SecAuditLogType Serial): one JSON object per line.
 * Each refused transaction becomes a `waf.blocked` security event. Parsed as JSON, never matched by regex;
 * only codes go into the event (path without query, rule ids, status), never the request's body or headers.
 */
export function wafEventOf(line: string): SecurityEventInput | null {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return null;
  }
  const tx = (entry as { transaction?: WafTransaction } | null)?.transaction;
  if (!tx || typeof tx !== 'object') return null;
  const status = Number(tx.response?.http_code ?? 0);
  if (!(status >= 400)) return null; // detection-only or passed: not a block
  const rules = (Array.isArray(tx.messages) ? tx.messages : [])
    .map((m) => String(m?.details?.ruleId ?? ''))
    .filter((id) => /^\d{3,7}$/.test(id))
    .slice(0, 20);
  // The log also holds requests the store itself refused (any 4xx/5xx) that some rules scored below the threshold:
  // a WAF block is one where a denying rule fired.
  if (!rules.some((id) => denyingRules.has(id))) return null;
  const uri = typeof tx.request?.uri === 'string' ? tx.request.uri : '';
  const path = uri.split('?')[0]!.slice(0, 200);
  const ip = typeof tx.client_ip === 'string' ? tx.client_ip : null;
  return {
    kind: 'waf.blocked',
    outcome: 'refused',
    ip,
    requestId: typeof tx.unique_id === 'string' ? tx.unique_id.slice(0, 64) : null,
    detail: { status, method: String(tx.request?.method ?? '').slice(0, 16), path, rules },
  };
}

/** The rules that deny in deploy/modsecurity: CRS's anomaly-score verdicts and Debian's base request-body checks. */
const denyingRules = new Set(['949110', '959100', '200002', '200003', '200004', '200005', '200007']);

interface WafTransaction {
  client_ip?: unknown;
  unique_id?: unknown;
  request?: { method?: unknown; uri?: unknown };
  response?: { http_code?: unknown };
  messages?: Array<{ details?: { ruleId?: unknown } } | null>;
}

/**
 * Reads the log from where the last round stopped (edge_status) to its last complete line. A rotated or
 * truncated log (another inode, or shorter than the offset) is read from its start.
 */
export async function ingestWafLog(ctx: AppContext, file: string): Promise<{ events: number; bytes: number }> {
  const db = ctx.database.db;
  const row = (await readEdgeStatus(db))!;
  const now = new Date();
  let info;
  try {
    info = await stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    await writeWafLogState(db, { path: file, readAt: now, error: code });
    return { events: 0, bytes: 0 };
  }
  const inode = `${info.dev}:${info.ino}`;
  const previous = row.waf_log_offset;
  const offset = row.waf_log_path === file && row.waf_log_inode === inode && previous <= info.size ? previous : 0;
  let consumed = 0;
  let events = 0;
  try {
    const length = Math.min(info.size - offset, maxBytesPerRound);
    if (length > 0) {
      const handle = await open(file, 'r');
      try {
        const buf = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buf, 0, length, offset);
        const chunk = buf.subarray(0, bytesRead);
        const end = chunk.lastIndexOf(0x0a);
        // No line end in a full round: one oversized entry; skip it rather than stall for ever.
        consumed = end >= 0 ? end + 1 : bytesRead === maxBytesPerRound ? bytesRead : 0;
        for (const line of chunk.subarray(0, end >= 0 ? end : 0).toString('utf8').split('\n')) {
          if (!line.trim()) continue;
          const event = wafEventOf(line);
          if (!event) continue;
          recordSecurityEvent(ctx, event);
          events++;
        }
      } finally {
        await handle.close();
      }
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    await writeWafLogState(db, { path: file, readAt: now, error: code });
    return { events, bytes: consumed };
  }
  await writeWafLogState(db, { path: file, inode, offset: offset + consumed, readAt: now, error: null });
  return { events, bytes: consumed };
}
