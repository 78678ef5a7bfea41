import { Algorithm, hash, parseOptions, verify } from '@node-rs/argon2';
import { z } from 'zod';

/** OWASP Password Storage Cheat Sheet: argon2id, 19 MiB, 2 passes, 1 lane. */
export const argon2Options = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** Length is the only rule (NIST SP 800-63B): no composition rules. Staff guard more, so they need more. */
export const passwordLength = { customer: { min: 8, max: 128 }, staff: { min: 12, max: 128 } } as const;
export type PasswordKind = keyof typeof passwordLength;

/**
 * NFKC so that a password typed with the IME in full-width mode still matches its half-width
 * form. Never trimmed: spaces are part of a passphrase.
 */
function normalize(password: string): string {
  return password.normalize('NFKC');
}

/** The form/JSON field for a new password, with the one localized length message. */
export function newPasswordField(kind: PasswordKind) {
  const { min, max } = passwordLength[kind];
  return z.string().check((ctx) => {
    const length = [...normalize(ctx.value)].length;
    if (length < min || length > max) ctx.issues.push({ code: 'custom', message: 'password_length', input: ctx.value, minimum: min, maximum: max } as never);
  });
}

/** A password typed to sign in: only bounded, so an oversized input cannot make hashing expensive. */
export const currentPasswordField = z.string().min(1).max(1024);

/** Hashes on the libuv thread pool, so the event loop keeps serving other requests. */
export function hashPassword(password: string): Promise<string> {
  return hash(normalize(password), argon2Options);
}

/** False for a wrong password and for anything that is not an argon2 hash (never throws). */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, normalize(password));
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same time as a real verification when there is no account, so response time does
 * not reveal which e-mail addresses have accounts (user enumeration). Always returns false.
 */
export async function verifyWithoutAccount(password: string): Promise<false> {
  dummyHash ??= hashPassword('omamori-dummy-password-for-timing');
  await verifyPassword(await dummyHash, password);
  return false;
}

/** True when a stored hash was made with weaker or different parameters than today's. */
export function needsRehash(passwordHash: string): boolean {
  try {
    const o = parseOptions(passwordHash);
    return o.algorithm !== argon2Options.algorithm || o.memoryCost !== argon2Options.memoryCost || o.timeCost !== argon2Options.timeCost || o.parallelism !== argon2Options.parallelism;
  } catch {
    return true;
  }
}
