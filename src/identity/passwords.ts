import { Algorithm, hash, parseOptions, verify } from '@node-rs/argon2';
import { createRequire } from 'node:module';
import type { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { z } from 'zod';
import { AppError } from '../platform/http/errors.ts';
import { fieldErrors, type ParseResult } from '../platform/http/forms.ts';
import type { Locale } from '../platform/i18n/index.ts';
import { extraBreachedPasswords } from './common-passwords.ts';
import { t } from './messages.ts';

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

/**
 * zxcvbn's strength score a new password needs: 3 means an estimated 10^8 guesses or more. The
 * throttles make online guessing hopeless well below that; the bar is set for the offline case
 * (T1: a stolen database), where argon2id at OWASP parameters still leaves an attacker with many
 * thousands of guesses per second on GPUs, so 10^6 (score 2) falls in hours and 10^8 takes months.
 * Score 4 would also refuse sound Japanese romaji passphrases (e.g. "attacker-password" scores 3).
 */
export const minimumStrengthScore = 3;
/**
 * zxcvbn runs on the event loop and its cost grows fast with length and l33t substitutions (a
 * 52-character l33t string took 350 ms with the defaults): only this many characters are scored
 * (a prefix that strong makes the rest irrelevant) and l33t variants are capped.
 */
const strengthCheckedLength = 32;
const l33tMaxSubstitutions = 8;

let zxcvbn: ZxcvbnFactory | undefined;
let commonPasswords: Set<string> | undefined;

function strengthChecker() {
  // The dictionaries (several MiB) are loaded when a password is first set, not at start (sign-in never needs them).
  const load = createRequire(import.meta.url);
  const { ZxcvbnFactory: Factory } = load('@zxcvbn-ts/core') as typeof import('@zxcvbn-ts/core');
  const zxcvbnCommon = load('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
  zxcvbn ??= new Factory({ dictionary: { ...zxcvbnCommon.dictionary }, graphs: zxcvbnCommon.adjacencyGraphs, l33tMaxSubstitutions });
  commonPasswords ??= new Set([...zxcvbnCommon.dictionary['passwords-common'].map((p) => String(p).toLowerCase()), ...extraBreachedPasswords]);
  return { zxcvbn, commonPasswords };
}

/**
 * Issue 12: whether a password typed at a failed sign-in is on the common/breached list (the
 * common-password detector counts these; the password itself is never stored or logged).
 */
export function isCommonPassword(password: string): boolean {
  if (!commonPasswords) {
    // Loading the list takes about 0.2 s: never on a sign-in request. The first failures after start are not flagged.
    void loadCommonPasswords();
    return false;
  }
  return commonPasswords.has(normalize(password).toLowerCase());
}

let commonPasswordsLoading: Promise<void> | undefined;
/** Loads the common-password list in the background (resolves once `isCommonPassword` can answer). */
export function loadCommonPasswords(): Promise<void> {
  commonPasswordsLoading ??= new Promise((resolve) =>
    setImmediate(() => {
      const load = createRequire(import.meta.url);
      const zxcvbnCommon = load('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
      commonPasswords ??= new Set([...zxcvbnCommon.dictionary['passwords-common'].map((p) => String(p).toLowerCase()), ...extraBreachedPasswords]);
      resolve();
    }),
  );
  return commonPasswordsLoading;
}

export type PasswordProblem = 'password_length' | 'password_common';

/**
 * Why a new password is refused, or null. Length first (NIST SP 800-63B: no composition rules),
 * then the breach/common list (zxcvbn-ts's 49,000 leaked passwords plus our extra list, compared
 * case-insensitively), then zxcvbn's estimate: anything built from dictionary words, names, keyboard
 * walks, dates, repeats or sequences that comes out below `minimumStrengthScore`. `userInputs`
 * (e-mail, name) count as dictionary words, so "hanako1985" is weak for Hanako.
 */
export function passwordProblem(password: string, kind: PasswordKind, userInputs: string[] = []): PasswordProblem | null {
  const { min, max } = passwordLength[kind];
  const p = normalize(password);
  const length = [...p].length;
  if (length < min || length > max) return 'password_length';
  const { zxcvbn, commonPasswords } = strengthChecker();
  if (commonPasswords.has(p.toLowerCase())) return 'password_common';
  const inputs = userInputs.flatMap((u) => u.normalize('NFKC').toLowerCase().split(/[@.\s_+-]+/)).filter((u) => u.length >= 3);
  if (zxcvbn.check([...p].slice(0, strengthCheckedLength).join(''), inputs).score < minimumStrengthScore) return 'password_common';
  return null;
}

/**
 * The form/JSON field for a new password. Issues carry a message key: `password_length` (the
 * platform's localized length message) or `password_common` (identity's message, mapped by
 * `parseAccountInput` in identity and, once the platform knows the key, everywhere).
 */
export function newPasswordField(kind: PasswordKind) {
  const { min, max } = passwordLength[kind];
  return z.string().check((ctx) => {
    const problem = passwordProblem(ctx.value, kind);
    if (problem === 'password_length') ctx.issues.push({ code: 'custom', message: 'password_length', input: ctx.value, minimum: min, maximum: max } as never);
    else if (problem) ctx.issues.push({ code: 'custom', message: 'password_common', input: ctx.value } as never);
  });
}

/** A new password's field with the length rule only (for API bodies, whose handler then calls `passwordProblem` for a clear message). */
export function newPasswordLengthField(kind: PasswordKind) {
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

/**
 * `parseInput` for forms with a new password: the same, except that a refused common or weak
 * password gets identity's clear message instead of the platform's generic "not valid".
 */
export function parseAccountInput<S extends z.ZodType>(schema: S, input: unknown, locale: Locale): ParseResult<z.output<S>> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return { ok: true, data: result.data };
  const errors = fieldErrors(result.error.issues, locale);
  const seen = new Set<string>();
  for (const issue of result.error.issues) {
    const field = issue.path.map(String).join('.') || '_';
    if (seen.has(field)) continue; // the first issue of a field is the one shown
    seen.add(field);
    if (issue.message === 'password_common') errors[field] = t(locale, 'passwordCommon');
  }
  return { ok: false, errors };
}

/** For API handlers: throws a 422 with the clear message when a new password is common or weak. */
export function assertPasswordAcceptable(password: string, kind: PasswordKind, locale: Locale, field = 'password', userInputs: string[] = []): void {
  const problem = passwordProblem(password, kind, userInputs);
  if (problem === 'password_common') throw new AppError('validation', { fields: { [field]: t(locale, 'passwordCommon') } });
}
