import { formValues } from '../../platform/http/form-fields.ts';
import { recordStaffSignIn } from '../../audit/record.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { adminPage } from '../../admin/layout.ts';
import { hashToken } from '../../platform/crypto/tokens.ts';
import { errorMessage } from '../../platform/http/errors.ts';
import { parseInput } from '../../platform/http/forms.ts';
import type { SafeHtml } from '../../platform/http/html.ts';
import { redirectAfterPost, sendHtml } from '../../platform/http/reply.ts';
import type { RouteModule } from '../../services.ts';
import { setupForm, setupUnavailable, staffSignInForm } from './admin-auth-views.ts';
import { t2 } from './admin-messages.ts';
import { staffAttempt, staffThrottle } from './admin-throttle.ts';
import { notifyTwoFactorChanged, type TwoFactorChange } from '../notifications.ts';
import { t } from '../messages.ts';
import { hashPassword, newPasswordField, passwordLength, verifyPassword, isCommonPassword } from '../passwords.ts';
import { consumeRecoveryCode } from '../two-factor/recovery-codes.ts';
import { safeNextPath } from '../sessions/redirects.ts';
import { deleteSession, markStepUp, sessionCookie } from '../sessions/sessions.ts';
import { createFirstOwner, setupTokenUsable } from './setup-token.ts';
import { authenticateStaff, ownerSchema, staffSignInSchema } from './staff-accounts.ts';
import { completeStaffSession, rotateStaffSession, startPartialStaffSession } from './staff-sign-in.ts';
import { confirmTotpEnrolment, consumeTotp, normalizeCode, pendingTotpSecret, totpQrSvg, totpUri } from '../two-factor/totp.ts';
import { staffSubject } from '../two-factor/totp-store.ts';
import { enrolForm, passwordChangeForm, recoveryCodesPage, stepUpForm, totpForm } from '../two-factor/totp-views.ts';
import { recordRequestEvent } from '../../platform/security/event-stream.ts';
import { html } from '../../platform/http/html.ts';
import { countPasskeys } from '../passkeys/ceremony.ts';
import { tp } from '../passkeys/messages.ts';
import { staffPasskeysRequired } from '../passkeys/policy.ts';
import { passkeyButton, passkeyScript } from '../passkeys/views.ts';

const adminNext = (next: unknown) => safeNextPath(next, '/admin', '/admin');
const passwordChangeSchema = z.object({ current_password: z.string().min(1).max(1024), new_password: newPasswordField('staff') });

function page(req: FastifyRequest, reply: FastifyReply, title: string, body: SafeHtml, status = 200, scripts?: string[]) {
  return sendHtml(reply, adminPage(req, { title, body, ...(scripts ? { scripts } : {}) }), status);
}

/** The sign-in form with the passkey button (shown when the browser can use one) and passkey autofill. */
function signInPage(req: FastifyRequest, reply: FastifyReply, values: Record<string, string>, errors: Record<string, string>, alert: string | null, next: string, status = 200) {
  const l = req.locale;
  const passkey = passkeyButton(l, { label: tp(l, 'signInWithPasskey'), optionsUrl: '/admin/passkeys/sign-in/options', verifyUrl: '/admin/passkeys/sign-in/verify', next, autofill: true });
  return page(req, reply, t(l, 'staffSignInTitle'), staffSignInForm(l, values, errors, alert, next, passkey), status, [passkeyScript]);
}

/**
 * Staff sign-in (password, then TOTP: mandatory, with forced enrolment), sign-out, step-up
 * re-authentication, the forced password change and the one-time first-owner setup (T4).
 */
export const adminAuthRoutes: RouteModule = (app, s) => {
  const { db, vault } = s.ctx;
  const cookie = sessionCookie(s.cookies, 'admin');
  const throttle = () => staffThrottle(s);
  const previousSessionHash = (req: FastifyRequest) => {
    const token = req.cookies[cookie.name];
    return token ? hashToken(token) : null;
  };
  /** Password accepted: a new partial session, then the second factor (enrolment first if none yet). */
  const passwordAccepted = async (req: FastifyRequest, reply: FastifyReply, staffId: number, next: string, enrolled: boolean) => {
    const token = await startPartialStaffSession(db, req, staffId, previousSessionHash(req));
    reply.setCookie(cookie.name, token, cookie.options);
    const step = enrolled ? '/admin/2fa' : '/admin/2fa/setup';
    return redirectAfterPost(reply, next === '/admin' ? step : `${step}?next=${encodeURIComponent(next)}`);
  };
  /** T4: the staff member hears of every change to their second factor, so a takeover is noticed. */
  const notify2fa = async (req: FastifyRequest, staffId: number, change: TwoFactorChange) => {
    const shopName = (await s.shop.get()).name;
    await notifyTwoFactorChanged(db, { staffId }, change, { ip: req.ip, userAgent: req.headers['user-agent'] }, { shopName, publicUrl: s.ctx.config.publicUrl });
  };
  /** T4: with passkeys required, a code is only the way back for a lost passkey (or a relayed phish): raise it. */
  const passkeyFallback = async (req: FastifyRequest, staffId: number, via: 'totp' | 'recovery_code', step: 'sign_in' | 'step_up'): Promise<'not_required' | 'raised' | 'no_passkey'> => {
    if (!(await staffPasskeysRequired(db))) return 'not_required';
    // A staff member who has no passkey yet is not falling back: they are sent to add one.
    if ((await countPasskeys(db, { staffId })) === 0) return 'no_passkey';
    await db.insertInto('staff_security_event').values({ actor_staff_id: staffId, target_staff_id: staffId, action: 'passkey_fallback', detail: JSON.stringify({ via, step }) }).execute();
    recordRequestEvent(req, { kind: 'auth.passkey.fallback', outcome: 'success', actor: { kind: 'staff', id: staffId }, detail: { realm: 'staff', via, step } });
    return 'raised';
  };
  const secondFactorAccepted = async (req: FastifyRequest, reply: FastifyReply) => {
    const session = req.adminSession!;
    const token = await completeStaffSession(db, req, session.staff.id, session.idHash);
    reply.setCookie(cookie.name, token, cookie.options);
  };

  app.get('/sign-in', { config: { public: true } }, async (req, reply) => {
    const next = adminNext((req.query as Record<string, unknown>).next);
    if (req.staff) return reply.redirect(next, 303);
    return signInPage(req, reply, {}, {}, null, next);
  });

  /** The throttle check, with a refusal recorded in the audit trail (PCI DSS 10.2.1.4). */
  const auditedCheck = async (attempt: Parameters<ReturnType<typeof throttle>['check']>[0], req: FastifyRequest) => {
    try {
      await throttle().check(attempt);
    } catch (err) {
      await recordStaffSignIn(db, { ok: false, reason: 'throttled', req });
      throw err;
    }
  };

  app.post('/sign-in', { config: { public: true } }, async (req, reply) => {
    const l = req.locale;
    const values = formValues(req.body);
    const next = adminNext(values.next);
    const parsed = parseInput(staffSignInSchema, req.body, l);
    if (!parsed.ok) return signInPage(req, reply, values, parsed.errors, errorMessage('validation', l), next, 422);
    // T4: brute force and credential stuffing against staff accounts (429 with Retry-After when locked).
    const attempt = staffAttempt(req, parsed.data.email);
    await auditedCheck(attempt, req);
    const staff = await authenticateStaff(db, parsed.data.email, parsed.data.password);
    if (!staff) {
      await throttle().failure(attempt);
      await recordStaffSignIn(db, { ok: false, reason: 'bad_credentials', req });
      recordRequestEvent(req, { kind: 'auth.sign_in.failure', outcome: 'failure', actor: null, account: parsed.data.email, detail: { realm: 'staff', step: 'password', commonPassword: isCommonPassword(parsed.data.password) } });
      return signInPage(req, reply, values, {}, t(l, 'signInFailed'), next, 401);
    }
    // The throttle's success is recorded only after the second factor.
    const enrolled = await db.selectFrom('staff').select('totp_enabled_at').where('id', '=', staff.id).executeTakeFirstOrThrow();
    return passwordAccepted(req, reply, staff.id, next, enrolled.totp_enabled_at !== null);
  });

  app.get('/2fa', { config: { staff: 'partial' } }, async (req, reply) => {
    const session = req.adminSession!;
    const next = adminNext((req.query as Record<string, unknown>).next);
    if (session.secondFactorAt) return reply.redirect(next, 303);
    if (!session.totpEnrolled) return reply.redirect(`/admin/2fa/setup?next=${encodeURIComponent(next)}`, 303);
    return page(req, reply, t2(req.locale, 'totpTitle'), totpForm(req.locale, next, null));
  });

  app.post('/2fa', { config: { staff: 'partial' } }, async (req, reply) => {
    const l = req.locale;
    const session = req.adminSession!;
    const next = adminNext(formValues(req.body).next);
    if (session.secondFactorAt) return redirectAfterPost(reply, next);
    if (!session.totpEnrolled) return redirectAfterPost(reply, '/admin/2fa/setup');
    const attempt = staffAttempt(req, session.staff.email);
    await throttle().check(attempt);
    const code = normalizeCode(formValues(req.body).code);
    // A 6-digit TOTP code (each time step once only), or a one-time recovery code.
    const byTotp = /^\d{6}$/.test(code);
    const me = staffSubject(session.staff.id);
    const ok = byTotp ? await consumeTotp(db, vault, me, code) : await consumeRecoveryCode(db, me, code);
    if (!ok) {
      await throttle().failure(attempt);
      await recordStaffSignIn(db, { ok: false, staff: session.staff, step: byTotp ? 'second_factor' : 'recovery_code', reason: 'bad_code', req });
      recordRequestEvent(req, { kind: 'auth.2fa.failure', outcome: 'failure', actor: { kind: 'staff', id: session.staff.id }, account: session.staff.email, detail: { realm: 'staff', step: byTotp ? 'totp' : 'recovery_code' } });
      return page(req, reply, t2(l, 'totpTitle'), totpForm(l, next, t2(l, 'totpFailed')), 401);
    }
    if (!byTotp) {
      await db.insertInto('staff_security_event').values({ actor_staff_id: session.staff.id, target_staff_id: session.staff.id, action: 'recovery_code_used' }).execute();
      await notify2fa(req, session.staff.id, 'recovery_code_used');
      recordRequestEvent(req, { kind: 'auth.recovery_code.used', outcome: 'success', actor: { kind: 'staff', id: session.staff.id }, detail: { realm: 'staff' } });
    }
    await throttle().success(attempt);
    const fallback = await passkeyFallback(req, session.staff.id, byTotp ? 'totp' : 'recovery_code', 'sign_in');
    await secondFactorAccepted(req, reply);
    await recordStaffSignIn(db, { ok: true, staff: session.staff, step: byTotp ? 'second_factor' : 'recovery_code', req });
    recordRequestEvent(req, { kind: 'auth.sign_in.success', outcome: 'success', actor: { kind: 'staff', id: session.staff.id }, detail: { realm: 'staff', step: byTotp ? 'totp' : 'recovery_code' } });
    // Passkeys required and none yet: straight to the page that adds one (it says why).
    return redirectAfterPost(reply, fallback === 'no_passkey' ? '/admin/passkeys' : next);
  });

  async function renderEnrolment(req: FastifyRequest, reply: FastifyReply, next: string, alert: string | null, status: number) {
    const session = req.adminSession!;
    const secret = await pendingTotpSecret(db, vault, staffSubject(session.staff.id));
    if (!secret) return reply.redirect(`/admin/2fa?next=${encodeURIComponent(next)}`, 303);
    const issuer = (await s.shop.get()).name || 'omamori';
    const qrSvg = await totpQrSvg(totpUri(issuer, session.staff.email, secret));
    return page(req, reply, t2(req.locale, 'enrolTitle'), enrolForm(req.locale, { secret, qrSvg, next, alert }), status);
  }

  app.get('/2fa/setup', { config: { staff: 'partial' } }, async (req, reply) => {
    const session = req.adminSession!;
    const next = adminNext((req.query as Record<string, unknown>).next);
    // Only a session still waiting for its second factor may see a secret: no enrolment page for
    // a complete session (nobody re-enrols without an owner resetting it).
    if (session.secondFactorAt) return reply.redirect(next, 303);
    if (session.totpEnrolled) return reply.redirect(`/admin/2fa?next=${encodeURIComponent(next)}`, 303);
    return renderEnrolment(req, reply, next, null, 200);
  });

  app.post('/2fa/setup', { config: { staff: 'partial' } }, async (req, reply) => {
    const l = req.locale;
    const session = req.adminSession!;
    const next = adminNext(formValues(req.body).next);
    if (session.secondFactorAt) return redirectAfterPost(reply, next);
    if (session.totpEnrolled) return redirectAfterPost(reply, '/admin/2fa');
    const attempt = staffAttempt(req, session.staff.email);
    await throttle().check(attempt);
    const codes = await confirmTotpEnrolment(db, vault, staffSubject(session.staff.id), normalizeCode(formValues(req.body).code));
    if (!codes) {
      await throttle().failure(attempt);
      return renderEnrolment(req, reply, next, t2(l, 'totpFailed'), 422);
    }
    await throttle().success(attempt);
    await db.insertInto('staff_security_event').values({ actor_staff_id: session.staff.id, target_staff_id: session.staff.id, action: 'totp_enrolled' }).execute();
    await notify2fa(req, session.staff.id, 'enabled');
    await secondFactorAccepted(req, reply);
    await recordStaffSignIn(db, { ok: true, staff: session.staff, step: 'setup', req });
    recordRequestEvent(req, { kind: 'auth.sign_in.success', outcome: 'success', actor: { kind: 'staff', id: session.staff.id }, detail: { realm: 'staff', step: 'setup' } });
    // Shown once, in this response only (no-store); the database keeps hashes.
    req.staff = session.staff;
    return page(req, reply, t2(l, 'recoveryTitle'), recoveryCodesPage(l, codes, next));
  });

  /** Password + code, and a passkey button above it when the staff member has one. */
  const stepUpPage = async (req: FastifyRequest, reply: FastifyReply, next: string, alert: string | null, status: number) => {
    const l = req.locale;
    const hasPasskey = (await countPasskeys(db, { staffId: req.adminSession!.staff.id })) > 0;
    const passkey = hasPasskey ? passkeyButton(l, { label: tp(l, 'stepUpWithPasskey'), optionsUrl: '/admin/passkeys/step-up/options', verifyUrl: '/admin/passkeys/step-up/verify', next }) : '';
    return page(req, reply, t2(l, 'stepUpTitle'), html`${passkey}${stepUpForm(l, { next, alert, passwordLabel: t(l, 'password') })}`, status, hasPasskey ? [passkeyScript] : undefined);
  };

  app.get('/step-up', { config: { staff: 'any' } }, async (req, reply) => {
    const next = adminNext((req.query as Record<string, unknown>).next);
    return stepUpPage(req, reply, next, null, 200);
  });

  app.post('/step-up', { config: { staff: 'any' } }, async (req, reply) => {
    const l = req.locale;
    const session = req.adminSession!;
    const values = formValues(req.body);
    const next = adminNext(values.next);
    const attempt = staffAttempt(req, session.staff.email);
    await throttle().check(attempt);
    const row = await db.selectFrom('staff').select('password_hash').where('id', '=', session.staff.id).executeTakeFirstOrThrow();
    const password = typeof values.password === 'string' ? values.password.slice(0, 1024) : '';
    // T4: a stolen session alone cannot change settings, staff or run emergency actions: password + a fresh TOTP code.
    const ok = (await verifyPassword(row.password_hash, password)) && (await consumeTotp(db, vault, staffSubject(session.staff.id), normalizeCode(values.code)));
    if (!ok) {
      await throttle().failure(attempt);
      recordRequestEvent(req, { kind: 'auth.step_up.failure', outcome: 'failure', actor: { kind: 'staff', id: session.staff.id }, detail: { realm: 'staff' } });
      return stepUpPage(req, reply, next, t2(l, 'stepUpFailed'), 401);
    }
    await throttle().success(attempt);
    await passkeyFallback(req, session.staff.id, 'totp', 'step_up');
    await markStepUp(db, session.idHash);
    return redirectAfterPost(reply, next);
  });

  const passwordHint = (l: FastifyRequest['locale']) => t(l, 'passwordHint', passwordLength.staff);
  app.get('/password', { config: { staff: 'any' } }, async (req, reply) => {
    return page(req, reply, t2(req.locale, 'passwordChangeTitle'), passwordChangeForm(req.locale, { errors: {}, alert: null, hint: passwordHint(req.locale) }));
  });

  app.post('/password', { config: { staff: 'any' } }, async (req, reply) => {
    const l = req.locale;
    const session = req.adminSession!;
    const render = (errors: Record<string, string>, status: number) =>
      page(req, reply, t2(l, 'passwordChangeTitle'), passwordChangeForm(l, { errors, alert: errorMessage('validation', l), hint: passwordHint(l) }), status);
    const parsed = parseInput(passwordChangeSchema, req.body, l);
    if (!parsed.ok) return render(parsed.errors, 422);
    const attempt = staffAttempt(req, session.staff.email);
    await throttle().check(attempt);
    const row = await db.selectFrom('staff').select('password_hash').where('id', '=', session.staff.id).executeTakeFirstOrThrow();
    if (!(await verifyPassword(row.password_hash, parsed.data.current_password))) {
      await throttle().failure(attempt);
      return render({ current_password: t2(l, 'passwordChangeWrong') }, 422);
    }
    if (await verifyPassword(row.password_hash, parsed.data.new_password)) return render({ new_password: t2(l, 'passwordChangeSame') }, 422);
    const hash = await hashPassword(parsed.data.new_password);
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('staff').set({ password_hash: hash, password_reset_required: false }).where('id', '=', session.staff.id).execute();
      // Every other session of this account ends; this one gets a new id.
      await trx.deleteFrom('session').where('staff_id', '=', session.staff.id).where('id_hash', '!=', session.idHash).execute();
      await trx.insertInto('staff_security_event').values({ actor_staff_id: session.staff.id, target_staff_id: session.staff.id, action: 'password_changed' }).execute();
    });
    const token = await rotateStaffSession(db, req, session.staff.id, session.idHash, { secondFactorAt: session.secondFactorAt, stepUpAt: null });
    reply.setCookie(cookie.name, token, cookie.options);
    return redirectAfterPost(reply, '/admin');
  });

  app.post('/sign-out', { config: { public: true } }, async (req, reply) => {
    const hash = previousSessionHash(req);
    if (hash) await deleteSession(db, hash);
    reply.clearCookie(cookie.name, cookie.options);
    return redirectAfterPost(reply, '/admin/sign-in');
  });

  app.get('/setup', { config: { public: true } }, async (req, reply) => {
    const l = req.locale;
    const token = (req.query as Record<string, unknown>).token;
    if (typeof token !== 'string' || !(await setupTokenUsable(db, token))) return page(req, reply, t(l, 'setupTitle'), setupUnavailable(l), 403);
    // The link carries a secret; the global `Referrer-Policy: same-origin` keeps it from other sites.
    // (Not `no-referrer`: browsers would then send `Origin: null` and the CSRF check would refuse the form.)
    return page(req, reply, t(l, 'setupTitle'), setupForm(l, token, {}, {}, null));
  });

  app.post('/setup', { config: { public: true } }, async (req, reply) => {
    const l = req.locale;
    const values = formValues(req.body);
    const token = values.token ?? '';
    if (!(await setupTokenUsable(db, token))) return page(req, reply, t(l, 'setupTitle'), setupUnavailable(l), 403);
    const parsed = parseInput(ownerSchema, req.body, l);
    if (!parsed.ok) return page(req, reply, t(l, 'setupTitle'), setupForm(l, token, values, parsed.errors, errorMessage('validation', l)), 422);
    const ownerId = await createFirstOwner(db, token, parsed.data);
    if (ownerId === null) return page(req, reply, t(l, 'setupTitle'), setupUnavailable(l), 403);
    // The first owner, too, enrols TOTP before reaching anything (no bypass).
    return passwordAccepted(req, reply, ownerId, '/admin', false);
  });
};
