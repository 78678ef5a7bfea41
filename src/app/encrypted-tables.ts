import { orderEventsEncryptedTable, ordersEncryptedTable } from '../orders/encrypted-fields.ts';
import { outboxSealedColumns } from '../platform/mail/outbox-fields.ts';
import { addressEncryptedTable, customerEncryptedTable } from '../identity/customers/customer-data.ts';
import type { EncryptedTableSpec } from '../vault/registry.ts';

/**
 * Every encrypted table of the store (issue 11: the list lives in the composition root, which may import the
 * domains that own the tables; the vault gets it passed in). Side tables left plain on purpose: src/vault/registry.ts.
 */
export const encryptedTables: EncryptedTableSpec[] = [
  // Issue 4: TOTP secrets (staff mandatory, customers optional); T1: a dump must not hand out second factors.
  { table: 'staff', primaryKey: 'id', columns: ['totp_secret'] },
  { table: 'customer_totp', primaryKey: 'customer_id', columns: ['secret'] },
  // Issue 5: customers and their address books (src/identity/customers/customer-data.ts).
  customerEncryptedTable,
  addressEncryptedTable,
  // Issue 5: orders and the side tables that copy their personal data (mail outbox, job payloads).
  { ...ordersEncryptedTable, encryptPlaintextAtStart: true },
  {
    table: 'mail_outbox',
    primaryKey: 'id',
    columns: [...outboxSealedColumns],
    indexes: (vault, plain) => ({ to_bidx: plain.to_address ? vault.emailIndex(plain.to_address) : null }),
    encryptPlaintextAtStart: true,
  },
  { ...orderEventsEncryptedTable, encryptPlaintextAtStart: true },
  { table: 'job', primaryKey: 'id', columns: ['payload_sealed'] },
  // Issue 17: DKIM private keys (src/platform/mail/dkim.ts); a dump alone cannot sign mail in the shop's name.
  { table: 'mail_dkim_key', primaryKey: 'id', columns: ['private_key'] },
];
