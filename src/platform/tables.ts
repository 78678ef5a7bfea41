import type { ColumnType, Generated } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export interface PlatformTables {
  /** 0101: DKIM signing keys; private_key is a vault ciphertext (src/platform/mail/dkim.ts). */
  mail_dkim_key: {
    id: Generated<number>;
    selector: string;
    domain: string;
    private_key: string;
    public_key: string;
    state: 'next' | 'active' | 'retired';
    created_at: CreatedAt;
    activated_at: Date | null;
    retired_at: Date | null;
  };
  job: {
    id: Generated<number>;
    kind: string;
    payload: ColumnType<Record<string, unknown>, string, string>;
    /** The payload as a vault ciphertext of its JSON (0036); `payload` then holds '{}'. */
    payload_sealed: ColumnType<string | null, string | null | undefined, string | null>;
    status: Generated<'pending' | 'done' | 'failed'>;
    run_at: ColumnType<Date, Date | undefined, Date>;
    attempts: Generated<number>;
    max_attempts: Generated<number>;
    locked_until: Date | null;
    last_error: string | null;
    created_at: CreatedAt;
    finished_at: Date | null;
  };
  mail_outbox: {
    id: Generated<number>;
    kind: string;
    to_address: string;
    subject: string;
    text_body: string;
    html_body: string | null;
    status: Generated<'queued' | 'sent' | 'kept' | 'failed'>;
    attempts: Generated<number>;
    last_error: string | null;
    created_at: CreatedAt;
    sent_at: Date | null;
    /** Blind index of the recipient (0036); to_address, subject, bodies and last_error are vault ciphertexts. */
    to_bidx: ColumnType<string | null, string | null | undefined, string | null>;
  };
  schema_migrations: { name: string; applied_at: CreatedAt };
  /** Issue 13: store-wide response switches (platform/switches.ts). */
  response_switch: { name: string; engaged: boolean; reason: ColumnType<string, string | undefined, string>; changed_by: number | null; changed_at: ColumnType<Date, Date | undefined, Date> };
  /** T2: refused card numbers (see src/platform/card-numbers/card-guard.ts); never the number itself. */
  guard_event: {
    id: Generated<number>;
    created_at: CreatedAt;
    method: string;
    route: string;
    source: 'body' | 'query' | 'params' | 'multipart';
    field: string;
    card_hmac: string;
    ip_hmac: string;
  };
}
