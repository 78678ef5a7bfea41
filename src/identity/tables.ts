import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | undefined, Date>;
export type StaffRole = 'owner' | 'administrator' | 'order_operator' | 'customer_support' | 'content_editor';
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
  };
  setup_token: { token_hash: string; created_at: Timestamp; expires_at: Date; used_at: Date | null };
}
