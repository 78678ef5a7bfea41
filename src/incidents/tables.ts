import type { ColumnType, Generated, Kysely } from 'kysely';
import type { Db } from '../platform/db/database.ts';
import type { Database } from '../platform/db/schema.ts';

type Timestamp = ColumnType<Date, Date | undefined, Date>;
type Json<T> = ColumnType<T, string, string>;

export const incidentKinds = ['card_skimming', 'data_leak', 'account_takeover', 'defacement', 'other'] as const;
export type IncidentKind = (typeof incidentKinds)[number];
export const incidentSeverities = ['critical', 'high', 'medium', 'low'] as const;
export type IncidentSeverity = (typeof incidentSeverities)[number];
export type IncidentStatus = 'open' | 'contained' | 'closed';

/** The incident console's tables (migration 0085). Kept out of platform/db/schema.ts: see `incidentDb`. */
export type IncidentTables = {
  incident: {
    id: Generated<number>;
    title: string;
    severity: IncidentSeverity;
    kind: IncidentKind;
    status: Generated<IncidentStatus>;
    known_at: Date;
    declared_at: Timestamp;
    declared_by: number;
    lead_staff_id: number | null;
    alert_id: number | null;
    window_from: Date;
    window_to: Date;
    evidence_manifest_sha256: string | null;
    malicious: Generated<boolean>;
    keys_exposed: Generated<boolean>;
    closed_at: Date | null;
  };
  incident_event: { id: Generated<number>; incident_id: number; at: Timestamp; staff_id: number | null; kind: string; detail: Json<Record<string, unknown>> };
  incident_task: { id: Generated<number>; incident_id: number; position: number; title: string; done_at: Date | null; done_by: number | null };
  incident_evidence: { id: Generated<number>; incident_id: number; source: string; ref: string; content: Json<unknown>; sha256: string; captured_at: Timestamp };
  incident_scope: { id: Generated<number>; incident_id: number; created_at: Timestamp; created_by: number | null; criteria: Json<ScopeCriteria>; counts: Json<Record<string, number>>; total: Generated<number> };
  incident_affected: { scope_id: number; subject: string; customer_id: number | null; order_id: number | null; card: boolean; kinds: string };
  incident_campaign: { id: Generated<number>; incident_id: number; scope_id: number; status: Generated<'sending' | 'done'>; created_at: Timestamp; created_by: number | null; cursor: Generated<string>; finished_at: Date | null };
  incident_recipient: { campaign_id: number; subject: string; channel: 'email' | 'letter'; status: 'queued' | 'sent' | 'bounced' | 'letter'; outbox_id: number | null; updated_at: Timestamp };
  incident_notice: { id: Generated<number>; incident_id: number; version: number; body: Json<NoticeBody>; saved_at: Timestamp; saved_by: number | null; published_at: Date | null };
  // migration 0106
  incident_reminder: { incident_id: number; deadline: 'preliminary' | 'final'; stage: 'soon' | 'due'; sent_at: Timestamp };
  incident_report: { incident_id: number; stage: 'preliminary' | 'final'; fields: Json<Record<string, string>>; saved_at: Timestamp; saved_by: number | null; submitted_at: Date | null };
  incident_contact: {
    id: Generated<number>;
    incident_id: number;
    kind: ContactKind;
    organisation: string;
    person: Generated<string>;
    phone: Generated<string>;
    reference: Generated<string>;
    note: Generated<string>;
    contacted_at: Date | null;
    created_at: Timestamp;
    created_by: number | null;
  };
};

export const contactKinds = ['police', 'card_company', 'payment_provider', 'ppc', 'other'] as const;
export type ContactKind = (typeof contactKinds)[number];

/** Who is affected: date window (ISO dates), card payments only or every order, registered customers too. */
export interface ScopeCriteria {
  from: string;
  to: string;
  cardOnly: boolean;
  includeCustomers: boolean;
  /** Only orders shipped to these prefectures (and customers with an address there); empty or absent: all. */
  prefectures?: string[];
  /** Only orders with a line of these products (by slug); registered customers without such an order are not added. */
  products?: string[];
}

export interface NoticeBody {
  title: string;
  background: string;
  status: string;
  request: string;
  prevention: string;
  contact: string;
}

export type IncidentDb = Kysely<Database & IncidentTables>;

/** The shared handle with this domain's tables typed (the vault binding travels with it: same executor). */
export const incidentDb = (db: Db): IncidentDb => db.withTables<IncidentTables>();

/** The same handle as the platform's `Db` (for queueMail, enqueueJob, audit): the extra tables are types only. */
export const asDb = (db: IncidentDb): Db => db as unknown as Db;
