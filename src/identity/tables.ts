import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | undefined, Date>;
type NullableColumn<T> = ColumnType<T | null, T | null | undefined, T | null>;
import type { StaffRole } from '../platform/permissions.ts';
export type { StaffRole };
export type Locale = 'ja' | 'en';

export interface IdentityTables {
  customer: {
    id: Generated<number>;
    email: string;
    password_hash: string;
    name: string;
    name_kana: Generated<string>;
    phone: Generated<string>;
    locale: Generated<Locale>;
    created_at: Timestamp;
    updated_at: Timestamp;
    last_sign_in_at: Date | null;
    /** 0024: set by an emergency action; the next sign-in must set a new password. */
    password_reset_required: Generated<boolean>;
    /** 0033: email, name, name_kana and phone are vault ciphertexts (customer-data.ts); these are their blind indexes. */
    email_bidx: NullableColumn<string>;
    phone_bidx: NullableColumn<string>;
    search_tokens: Generated<string>;
  };
  customer_address: {
    id: Generated<number>;
    customer_id: number;
    name: string;
    name_kana: Generated<string>;
    postal_code: string;
    prefecture: string;
    city: string;
    line1: string;
    line2: Generated<string>;
    phone: string;
    is_default: Generated<boolean>;
    created_at: Timestamp;
    /** 0033: every column but prefecture is a vault ciphertext; the phone's blind index. */
    phone_bidx: NullableColumn<string>;
  };
  staff: {
    id: Generated<number>;
    email: string;
    name: string;
    password_hash: string;
    role: StaffRole;
    active: Generated<boolean>;
    created_at: Timestamp;
    last_sign_in_at: Date | null;
    /** 0024: TOTP (see the migration); 0031: a vault ciphertext (FieldRef staff.totp_secret, row id). */
    totp_secret: NullableColumn<string>;
    totp_enabled_at: NullableColumn<Date>;
    totp_last_step: NullableColumn<number>;
    password_reset_required: Generated<boolean>;
    /** 0087: access ends at this time (an outside investigator with the `incident` role); null: no end. */
    access_until: NullableColumn<Date>;
  };
  session: {
    id_hash: string;
    realm: 'store' | 'admin';
    customer_id: number | null;
    staff_id: number | null;
    created_at: Timestamp;
    last_seen_at: Timestamp;
    expires_at: Date;
    ip: string | null;
    user_agent: string | null;
    /** 0024: admin only; null while the session is partial (password done, second factor not yet). */
    second_factor_at: NullableColumn<Date>;
    step_up_at: NullableColumn<Date>;
  };
  setup_token: { token_hash: string; created_at: Timestamp; expires_at: Date; used_at: Date | null };
  identity_secret: { name: string; value: string; created_at: Timestamp };
  password_reset: { token_hash: string; customer_id: number; created_at: Timestamp; expires_at: Date; used_at: Date | null };
  customer_device: { customer_id: number; device_hash: string; first_seen_at: Timestamp; last_seen_at: Timestamp };
  // 0024 (staff 2FA, step-up, emergency actions)
  staff_recovery_code: { id: Generated<number>; staff_id: number; code_hash: string; used_at: Date | null; created_at: Timestamp };
  emergency_action: {
    id: Generated<number>;
    staff_id: number | null;
    staff_email: string;
    action: 'revoke_sessions' | 'reset_customer_passwords' | 'reset_staff_passwords';
    sessions_revoked: Generated<number>;
    customers_flagged: Generated<number>;
    staff_flagged: Generated<number>;
    created_at: Timestamp;
  };
  // 0031 (customer 2FA)
  customer_totp: { customer_id: number; secret: string; enabled_at: Date | null; last_step: number | null; created_at: Timestamp };
  customer_recovery_code: { id: Generated<number>; customer_id: number; code_hash: string; used_at: Date | null; created_at: Timestamp };
  customer_sign_in_challenge: { token_hash: string; customer_id: number; realm: 'store' | 'api'; failures: Generated<number>; created_at: Timestamp; expires_at: Date };
  /** 0100: WebAuthn credentials (exactly one owner: a staff member or a customer). */
  passkey: {
    id: Generated<number>;
    staff_id: number | null;
    customer_id: number | null;
    credential_id: string;
    public_key: string;
    sign_count: ColumnType<string | number, number | undefined, number>;
    transports: Generated<string>;
    device_type: Generated<string>;
    backed_up: Generated<boolean>;
    name: string;
    created_at: Timestamp;
    last_used_at: Date | null;
  };
  webauthn_challenge: {
    token_hash: string;
    realm: 'admin' | 'store';
    purpose: 'register' | 'authenticate' | 'step_up';
    challenge: string;
    staff_id: number | null;
    customer_id: number | null;
    expires_at: Date;
  };
  staff_passkey_policy: { id: number; required: boolean; changed_by: number | null; changed_at: Timestamp };
  staff_security_event: { id: Generated<number>; actor_staff_id: number | null; target_staff_id: number | null; action: string; detail: Generated<string>; created_at: Timestamp };
}
