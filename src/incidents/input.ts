import { incidentKinds, incidentSeverities, type IncidentKind, type IncidentSeverity } from './tables.ts';

/** "2026-12-07 14:00" or "2026-12-07T14:00" (Japan time), or a full ISO time with its zone; empty: now. */
export function parseKnownAt(raw: string | undefined, now = new Date()): Date | null {
  const v = (raw ?? '').trim();
  if (!v) return now;
  const local = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2})(?::\d{2})?)?$/.exec(v);
  const d = local ? new Date(`${local[1]}T${local[2] ?? '00:00'}:00+09:00`) : /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(v) ? new Date(v) : null;
  if (!d || Number.isNaN(d.getTime()) || d.getTime() > now.getTime() + 60_000) return null;
  return d;
}

export interface DeclareValues {
  title: string;
  kind: IncidentKind;
  severity: IncidentSeverity;
  knownAt: Date;
  lead: number | null;
}

/** Validates the declaration form (and the CLI's flags); field name -> message key on error. */
export function parseDeclare(v: Record<string, string | undefined>): { values?: DeclareValues; errors: Record<string, 'errTitle' | 'errChoice' | 'errDate' | 'errNumber'> } {
  const errors: Record<string, 'errTitle' | 'errChoice' | 'errDate' | 'errNumber'> = {};
  const title = (v.title ?? '').normalize('NFKC').trim();
  if (!title || title.length > 200) errors.title = 'errTitle';
  const kind = (incidentKinds as readonly string[]).includes(v.kind ?? '') ? (v.kind as IncidentKind) : undefined;
  if (!kind) errors.kind = 'errChoice';
  const severity = (incidentSeverities as readonly string[]).includes(v.severity || 'high') ? ((v.severity || 'high') as IncidentSeverity) : undefined;
  if (!severity) errors.severity = 'errChoice';
  const knownAt = parseKnownAt(v.known_at);
  if (!knownAt) errors.known_at = 'errDate';
  const leadRaw = (v.lead ?? '').trim();
  if (leadRaw && !/^\d{1,9}$/.test(leadRaw)) errors.lead = 'errNumber';
  if (Object.keys(errors).length) return { errors };
  return { values: { title, kind: kind!, severity: severity!, knownAt: knownAt!, lead: leadRaw ? Number(leadRaw) : null }, errors };
}
