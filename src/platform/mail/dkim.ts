import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { requireSealer, type FieldSealer } from '../crypto/field-sealer.ts';
import type { Db } from '../db/database.ts';

/**
 * DKIM keys for the shop's outgoing mail (issue 17, T4: phishing in the shop's name). Signing itself is
 * nodemailer's (`dkim` option); this module keeps the keys: RSA-2048 made by node:crypto, the private key sealed
 * by the vault (its master key is the key provider's, outside the database), rotation by selector.
 */

export interface DkimSigningKey {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

export interface DkimKeyInfo {
  selector: string;
  domain: string;
  state: 'next' | 'active' | 'retired';
  publicKey: string;
  createdAt: Date;
  activatedAt: Date | null;
}

const field = (id: number) => ({ table: 'mail_dkim_key', column: 'private_key', rowId: id });

/** The domain of a From address (`Shop <shop@example.jp>` → `example.jp`). */
export function senderDomain(from: string): string {
  return (/@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'localhost').toLowerCase();
}

function newSelector(now = new Date()): string {
  // Date-stamped and unguessable enough to never collide: omamori-20261207-a1b2c3.
  return `omamori-${now.toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(3).toString('hex')}`;
}

/** Makes a key and stores it sealed. `state` 'active' retires the current active key in the same transaction. */
export async function createDkimKey(db: Db, domain: string, state: 'next' | 'active'): Promise<DkimKeyInfo> {
  const vault = requireSealer(db, 'DKIM keys');
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicDer = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return db.transaction().execute(async (trx) => {
    const id = await vault.nextRowId(trx, 'mail_dkim_key');
    if (state === 'active') await trx.updateTable('mail_dkim_key').set({ state: 'retired', retired_at: new Date() }).where('state', '=', 'active').execute();
    const row = await trx
      .insertInto('mail_dkim_key')
      .values({ id, selector: newSelector(), domain, private_key: await vault.encrypt(field(id), pem), public_key: publicDer, state, activated_at: state === 'active' ? new Date() : null })
      .returning(['selector', 'domain', 'state', 'public_key', 'created_at', 'activated_at'])
      .executeTakeFirstOrThrow();
    return { selector: row.selector, domain: row.domain, state: row.state, publicKey: row.public_key, createdAt: row.created_at, activatedAt: row.activated_at };
  });
}

/** Makes `selector` (a 'next' key whose DNS record is published) the signing key; the previous one is retired. */
export async function activateDkimKey(db: Db, selector: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const next = await trx.selectFrom('mail_dkim_key').select('id').where('selector', '=', selector).where('state', '=', 'next').executeTakeFirst();
    if (!next) return false;
    await trx.updateTable('mail_dkim_key').set({ state: 'retired', retired_at: new Date() }).where('state', '=', 'active').execute();
    await trx.updateTable('mail_dkim_key').set({ state: 'active', activated_at: new Date() }).where('id', '=', next.id).execute();
    return true;
  });
}

/** Keys whose DNS records should be published: the active one and a 'next' one (retired ones after a week). */
export async function listDkimKeys(db: Db, opts: { all?: boolean } = {}): Promise<DkimKeyInfo[]> {
  let q = db.selectFrom('mail_dkim_key').select(['selector', 'domain', 'state', 'public_key', 'created_at', 'activated_at', 'retired_at']).orderBy('id');
  if (!opts.all) q = q.where((eb) => eb.or([eb('state', '!=', 'retired'), eb('retired_at', '>', new Date(Date.now() - 7 * 24 * 3600_000))]));
  return (await q.execute()).map((r) => ({ selector: r.selector, domain: r.domain, state: r.state, publicKey: r.public_key, createdAt: r.created_at, activatedAt: r.activated_at }));
}

/** The signing key (decrypted in memory), or null when none exists yet. */
export async function activeDkimKey(db: Db, vault: FieldSealer = requireSealer(db, 'DKIM keys')): Promise<DkimSigningKey | null> {
  const row = await db.selectFrom('mail_dkim_key').select(['id', 'selector', 'domain', 'private_key']).where('state', '=', 'active').executeTakeFirst();
  if (!row) return null;
  return { domainName: row.domain, keySelector: row.selector, privateKey: await vault.decrypt(field(row.id), row.private_key) };
}

/** At start: the first key for the sender's domain, active at once (its DNS record is printed by `omamori mail dns`). */
export async function ensureDkimKey(db: Db, from: string): Promise<void> {
  const any = await db.selectFrom('mail_dkim_key').select('id').where('state', '=', 'active').executeTakeFirst();
  if (!any) await createDkimKey(db, senderDomain(from), 'active').catch(async (err) => {
    // Two instances starting at once: the other one made it (the unique index on the active state).
    if (!(await db.selectFrom('mail_dkim_key').select('id').where('state', '=', 'active').executeTakeFirst())) throw err;
  });
}

export interface DnsRecord {
  purpose: 'spf' | 'dkim' | 'dmarc';
  name: string;
  type: 'TXT';
  value: string;
  note: string;
  selector?: string;
  stage?: 1 | 2;
}

/** A TXT value as DNS zone text: strings of at most 255 characters each (RFC 1035 character-strings). */
export function zoneText(value: string): string {
  const parts: string[] = [];
  for (let i = 0; i < value.length; i += 255) parts.push(`"${value.slice(i, i + 255)}"`);
  return parts.join(' ');
}

/**
 * The records to publish for mail from `from`: SPF (who may send), one DKIM key per published selector, and
 * DMARC in two stages: `p=quarantine` with aggregate reports first, then `p=reject` once the reports are clean.
 */
export function mailDnsRecords(from: string, keys: DkimKeyInfo[], opts: { spfInclude?: string; dmarcReports?: string } = {}): DnsRecord[] {
  const domain = senderDomain(from);
  const rua = opts.dmarcReports ?? `mailto:dmarc-reports@${domain}`;
  const spf = opts.spfInclude ? `v=spf1 include:${opts.spfInclude} -all` : 'v=spf1 a mx -all';
  const records: DnsRecord[] = [{ purpose: 'spf', name: `${domain}.`, type: 'TXT', value: spf, note: opts.spfInclude ? 'only your mail relay may send' : 'the domain\'s own A/MX hosts may send (set MAIL_SPF_INCLUDE to your relay\'s SPF domain)' }];
  for (const k of keys) {
    records.push({ purpose: 'dkim', name: `${k.selector}._domainkey.${k.domain}.`, type: 'TXT', value: `v=DKIM1; k=rsa; p=${k.publicKey}`, note: k.state === 'active' ? 'signing now' : k.state === 'next' ? 'publish before `omamori mail dkim activate`' : 'retired: keep a week for mail in transit', selector: k.selector });
  }
  const dmarc = (p: 'quarantine' | 'reject') => `v=DMARC1; p=${p}; rua=${rua}; adkim=s; aspf=s; pct=100`;
  records.push({ purpose: 'dmarc', name: `_dmarc.${domain}.`, type: 'TXT', value: dmarc('quarantine'), note: 'fakes go to spam; read the reports for a few weeks', stage: 1 });
  records.push({ purpose: 'dmarc', name: `_dmarc.${domain}.`, type: 'TXT', value: dmarc('reject'), note: 'once the reports show only your own mail passing, fakes are refused', stage: 2 });
  return records;
}
