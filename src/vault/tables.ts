import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | undefined, Date>;

export interface VaultTables {
  vault_kek: {
    id: string;
    provider: string;
    check_value: string;
    state: Generated<'active' | 'retired'>;
    created_at: Timestamp;
    retired_at: Date | null;
  };
  vault_key: {
    id: Generated<number>;
    scope: string;
    version: number;
    purpose: 'data' | 'index';
    state: 'active' | 'decrypt_only' | 'retired';
    kek_id: string;
    wrapped: string | null;
    created_at: Timestamp;
    retired_at: Date | null;
  };
  vault_rotation: {
    id: Generated<number>;
    kind: 'kek' | 'dek';
    scope: string;
    target: string;
    status: Generated<'running' | 'done'>;
    cursor: string | null;
    rows_done: Generated<number>;
    batches_done: Generated<number>;
    started_at: Timestamp;
    updated_at: Timestamp;
    finished_at: Date | null;
  };
}
