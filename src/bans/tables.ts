import type { ColumnType, Generated } from 'kysely';

export type BanScope = 'ip' | 'network';

export interface BanTables {
  security_ban: {
    id: Generated<number>;
    scope: BanScope;
    value: string;
    reason: string;
    ref: string;
    created_at: ColumnType<Date, Date | undefined, never>;
    until: Date;
    created_by: string;
    offences: Generated<number>;
    lifted_at: Date | null;
  };
  security_allow: {
    id: Generated<number>;
    cidr: string;
    note: Generated<string>;
    created_at: ColumnType<Date, Date | undefined, never>;
  };
}
