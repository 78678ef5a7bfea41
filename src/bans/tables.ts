import type { ColumnType, Generated } from 'kysely';

/** ip and network: the client's address or its /24 or /64; account: the blind index of a sign-in name; card: the
 * payment provider's card fingerprint; session: a shopper's cart owner key (`c:<customer>` or `g:<token hash>`). */
export type BanScope = 'ip' | 'network' | 'account' | 'card' | 'session';
export const banScopes: readonly BanScope[] = ['ip', 'network', 'account', 'card', 'session'];
/** The allow-list's scopes: addresses and networks (as CIDR) and the scopes beyond the network. */
export type AllowScope = 'network' | 'account' | 'card' | 'session';

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
    /** A CIDR (scope network) or the value as bans of that scope store it. */
    cidr: string;
    scope: Generated<AllowScope>;
    note: Generated<string>;
    created_at: ColumnType<Date, Date | undefined, never>;
  };
}
