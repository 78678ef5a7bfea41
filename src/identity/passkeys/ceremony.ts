import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { sql } from 'kysely';
import { hashToken, newToken } from '../../platform/crypto/tokens.ts';
import type { Db } from '../../platform/db/database.ts';

/**
 * WebAuthn ceremonies (T4): every CBOR, attestation and signature check is @simplewebauthn/server's. What
 * this module adds is the binding: the relying party is the console's (or the storefront's) own origin, a
 * challenge lives 5 minutes and is spent once, and a credential answers only for the account it belongs to.
 */

export interface RelyingParty {
  /** The RP ID: the host name of the origin (a passkey is offered on this host and its subdomains only). */
  id: string;
  name: string;
  /** The exact origin a ceremony must come from: a look-alike host or another port is refused. */
  origin: string;
  realm: 'admin' | 'store';
}

export function relyingParty(baseUrl: string, name: string, realm: 'admin' | 'store'): RelyingParty {
  const url = new URL(baseUrl);
  return { id: url.hostname, name: name || 'omamori', origin: url.origin, realm };
}

export type PasskeyOwner = { staffId: number } | { customerId: number };
type Purpose = 'register' | 'authenticate' | 'step_up';

export const ceremonyLifetimeMs = 5 * 60_000;
const maxPasskeysPerAccount = 10;

const ownerColumns = (owner: PasskeyOwner | null) => ({
  staff_id: owner && 'staffId' in owner ? owner.staffId : null,
  customer_id: owner && 'customerId' in owner ? owner.customerId : null,
});

async function saveChallenge(db: Db, rp: RelyingParty, purpose: Purpose, challenge: string, owner: PasskeyOwner | null): Promise<string> {
  const token = newToken();
  await db.deleteFrom('webauthn_challenge').where('expires_at', '<', new Date()).execute();
  await db
    .insertInto('webauthn_challenge')
    .values({ token_hash: hashToken(token), realm: rp.realm, purpose, challenge, ...ownerColumns(owner), expires_at: new Date(Date.now() + ceremonyLifetimeMs) })
    .execute();
  return token;
}

/** Spends a ceremony token: the challenge for exactly one caller, or null (unknown, expired, other realm/purpose/owner). */
async function takeChallenge(db: Db, rp: RelyingParty, purpose: Purpose, token: unknown, owner: PasskeyOwner | null): Promise<string | null> {
  if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const row = await db
    .deleteFrom('webauthn_challenge')
    .where('token_hash', '=', hashToken(token))
    .returning(['challenge', 'realm', 'purpose', 'staff_id', 'customer_id', 'expires_at'])
    .executeTakeFirst();
  if (!row || row.realm !== rp.realm || row.purpose !== purpose || row.expires_at.getTime() <= Date.now()) return null;
  const want = ownerColumns(owner);
  if (row.staff_id !== want.staff_id || row.customer_id !== want.customer_id) return null;
  return row.challenge;
}

const ownerFilter = (owner: PasskeyOwner) => ('staffId' in owner ? (['staff_id', owner.staffId] as const) : (['customer_id', owner.customerId] as const));

export interface PasskeySummary {
  id: number;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  backedUp: boolean;
}

export async function listPasskeys(db: Db, owner: PasskeyOwner): Promise<PasskeySummary[]> {
  const [column, id] = ownerFilter(owner);
  const rows = await db.selectFrom('passkey').select(['id', 'name', 'created_at', 'last_used_at', 'backed_up']).where(column, '=', id).orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, lastUsedAt: r.last_used_at, backedUp: r.backed_up }));
}

export async function countPasskeys(db: Db, owner: PasskeyOwner): Promise<number> {
  const [column, id] = ownerFilter(owner);
  const row = await db.selectFrom('passkey').select(sql<number>`count(*)::int`.as('n')).where(column, '=', id).executeTakeFirstOrThrow();
  return Number(row.n);
}

const transportsOf = (stored: string) => (stored ? (stored.split(',') as AuthenticatorTransportFuture[]) : undefined);

/** Registration options for a discoverable passkey with user verification, excluding the account's existing ones. */
export async function beginRegistration(db: Db, rp: RelyingParty, owner: PasskeyOwner, user: { name: string; displayName: string }): Promise<{ ceremony: string; options: PublicKeyCredentialCreationOptionsJSON }> {
  const [column, id] = ownerFilter(owner);
  const existing = await db.selectFrom('passkey').select(['credential_id', 'transports']).where(column, '=', id).execute();
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.name,
    userDisplayName: user.displayName,
    // A stable, opaque user handle: the realm and the account id, never the e-mail address.
    userID: new TextEncoder().encode(`${rp.realm}:${'staffId' in owner ? `s${owner.staffId}` : `c${owner.customerId}`}`),
    attestationType: 'none',
    excludeCredentials: existing.map((c) => ({ id: c.credential_id, transports: transportsOf(c.transports) })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
  return { ceremony: await saveChallenge(db, rp, 'register', options.challenge, owner), options };
}

export type CeremonyRefusal = 'expired' | 'invalid' | 'unknown_credential' | 'limit' | 'counter';

/** Verifies a registration and stores the credential. `name` is already validated (1-60 characters). */
export async function finishRegistration(db: Db, rp: RelyingParty, owner: PasskeyOwner, ceremony: unknown, response: unknown, name: string): Promise<{ ok: true; passkeyId: number } | { ok: false; reason: CeremonyRefusal }> {
  const challenge = await takeChallenge(db, rp, 'register', ceremony, owner);
  if (!challenge) return { ok: false, reason: 'expired' };
  if ((await countPasskeys(db, owner)) >= maxPasskeysPerAccount) return { ok: false, reason: 'limit' };
  let verified;
  try {
    // T4: expectedOrigin is this site's origin only; a ceremony run on a look-alike host or port fails here.
    verified = await verifyRegistrationResponse({ response: response as RegistrationResponseJSON, expectedChallenge: challenge, expectedOrigin: rp.origin, expectedRPID: rp.id, requireUserVerification: true });
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  if (!verified.verified || !verified.registrationInfo) return { ok: false, reason: 'invalid' };
  const { credential, credentialDeviceType, credentialBackedUp } = verified.registrationInfo;
  const row = await db
    .insertInto('passkey')
    .values({
      ...ownerColumns(owner),
      credential_id: credential.id,
      public_key: Buffer.from(credential.publicKey).toString('base64url'),
      sign_count: credential.counter,
      transports: (credential.transports ?? []).join(','),
      device_type: credentialDeviceType,
      backed_up: credentialBackedUp,
      name,
    })
    .onConflict((oc) => oc.column('credential_id').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!row) return { ok: false, reason: 'invalid' };
  return { ok: true, passkeyId: row.id };
}

/**
 * Authentication options. Without an owner (sign-in): no credential list, the authenticator offers its
 * discoverable passkeys for this RP ID (no e-mail typed). With one (step-up): that account's passkeys only.
 */
export async function beginAuthentication(db: Db, rp: RelyingParty, purpose: 'authenticate' | 'step_up', owner: PasskeyOwner | null): Promise<{ ceremony: string; options: PublicKeyCredentialRequestOptionsJSON }> {
  let allow: Array<{ id: string; transports?: AuthenticatorTransportFuture[] }> | undefined;
  if (owner) {
    const [column, id] = ownerFilter(owner);
    allow = (await db.selectFrom('passkey').select(['credential_id', 'transports']).where(column, '=', id).execute()).map((c) => ({ id: c.credential_id, transports: transportsOf(c.transports) }));
  }
  const options = await generateAuthenticationOptions({ rpID: rp.id, userVerification: 'required', ...(allow ? { allowCredentials: allow } : {}) });
  return { ceremony: await saveChallenge(db, rp, purpose, options.challenge, owner), options };
}

/** Verifies an assertion; on success the passkey's counter and last use are updated and its owner returned. */
export async function finishAuthentication(
  db: Db,
  rp: RelyingParty,
  purpose: 'authenticate' | 'step_up',
  ceremony: unknown,
  response: unknown,
  owner: PasskeyOwner | null,
): Promise<{ ok: true; owner: PasskeyOwner; passkeyId: number } | { ok: false; reason: CeremonyRefusal }> {
  const challenge = await takeChallenge(db, rp, purpose, ceremony, owner);
  if (!challenge) return { ok: false, reason: 'expired' };
  const credentialId = (response as { id?: unknown } | null)?.id;
  if (typeof credentialId !== 'string' || credentialId.length > 1400) return { ok: false, reason: 'invalid' };
  let query = db.selectFrom('passkey').selectAll().where('credential_id', '=', credentialId);
  // The realm's own accounts only: a customer's passkey never opens the console, nor a staff passkey the shop.
  query = rp.realm === 'admin' ? query.where('staff_id', 'is not', null) : query.where('customer_id', 'is not', null);
  const stored = await query.executeTakeFirst();
  if (!stored) return { ok: false, reason: 'unknown_credential' };
  const storedOwner: PasskeyOwner = stored.staff_id !== null ? { staffId: stored.staff_id } : { customerId: stored.customer_id! };
  if (owner && JSON.stringify(owner) !== JSON.stringify(storedOwner)) return { ok: false, reason: 'unknown_credential' };
  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response: response as AuthenticationResponseJSON,
      expectedChallenge: challenge,
      // T4: a phishing proxy relays the ceremony from its own origin; the signed clientDataJSON names it and this refuses it.
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
      credential: { id: stored.credential_id, publicKey: new Uint8Array(Buffer.from(stored.public_key, 'base64url')), counter: Number(stored.sign_count), transports: transportsOf(stored.transports) },
    });
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  if (!verified.verified) return { ok: false, reason: 'invalid' };
  await db
    .updateTable('passkey')
    .set({ sign_count: verified.authenticationInfo.newCounter, last_used_at: new Date(), backed_up: verified.authenticationInfo.credentialBackedUp })
    .where('id', '=', stored.id)
    .execute();
  return { ok: true, owner: storedOwner, passkeyId: stored.id };
}

/** Removes one of the account's passkeys; false when it is not theirs. */
export async function removePasskey(db: Db, owner: PasskeyOwner, passkeyId: number): Promise<{ name: string } | null> {
  const [column, id] = ownerFilter(owner);
  const row = await db.deleteFrom('passkey').where('id', '=', passkeyId).where(column, '=', id).returning('name').executeTakeFirst();
  return row ?? null;
}


export const passkeyNameMax = 60;

/** A passkey's name as typed: trimmed, 1-60 characters, no control characters; null when unusable. */
export function passkeyName(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const name = value.replace(/[\p{Cc}\p{Cf}]/gu, '').trim();
  return name.length >= 1 && name.length <= passkeyNameMax ? name : null;
}
