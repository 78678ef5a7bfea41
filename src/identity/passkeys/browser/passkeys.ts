// Runs in the browser: bundled by scripts/build.mjs into static/js/passkeys.js (served with SRI, no inline
// script: CSP). @simplewebauthn/browser wraps navigator.credentials; every check happens on the server.
import { browserSupportsWebAuthn, browserSupportsWebAuthnAutofill, startAuthentication, startRegistration } from '@simplewebauthn/browser';

class Refused extends Error {}

function showError(near: Element, kind: 'failed' | 'cancelled' | 'refused'): void {
  const box = near.closest('main')?.querySelector<HTMLElement>('[data-passkey-error]') ?? document.querySelector<HTMLElement>('[data-passkey-error]');
  if (!box) return;
  box.textContent = box.dataset[`msg${kind[0]!.toUpperCase()}${kind.slice(1)}`] ?? kind;
  box.hidden = false;
  box.closest<HTMLElement>('[data-passkey-only]')?.removeAttribute('hidden');
}

function errorKind(err: unknown): 'failed' | 'cancelled' | 'refused' {
  if (err instanceof Refused) return 'refused';
  const name = (err as { name?: string } | null)?.name;
  return name === 'NotAllowedError' || name === 'AbortError' ? 'cancelled' : 'failed';
}

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });
  // The server asked for a step-up (or a new sign-in) first: go there; it comes back to this page.
  if (res.redirected) {
    location.href = res.url;
    throw new Error('redirected');
  }
  const data = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new Refused(String(data.error ?? res.status));
  return data;
}

function go(data: Record<string, unknown>): void {
  const to = typeof data.redirect === 'string' && data.redirect.startsWith('/') && !data.redirect.startsWith('//') ? data.redirect : '/';
  location.assign(to);
}

function wireRegistration(form: HTMLFormElement): void {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = (form.elements.namedItem('name') as HTMLInputElement | null)?.value.trim() ?? '';
    // The storefront asks for the password again before adding a passkey (the console asks for a step-up instead).
    const password = (form.elements.namedItem('password') as HTMLInputElement | null)?.value;
    try {
      const begun = await post(form.dataset.options!, password === undefined ? {} : { password });
      const response = await startRegistration({ optionsJSON: begun.options as Parameters<typeof startRegistration>[0]['optionsJSON'] });
      go(await post(form.dataset.verify!, { ceremony: begun.ceremony, name, response }));
    } catch (err) {
      if ((err as Error).message !== 'redirected') showError(form, errorKind(err));
    }
  });
}

async function authenticate(button: HTMLElement, autofill: boolean): Promise<void> {
  const begun = await post(button.dataset.options!, {});
  const response = await startAuthentication({ optionsJSON: begun.options as Parameters<typeof startAuthentication>[0]['optionsJSON'], useBrowserAutofill: autofill });
  go(await post(button.dataset.verify!, { ceremony: begun.ceremony, response, next: button.dataset.next ?? '' }));
}

function wireAuthentication(button: HTMLButtonElement): void {
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await authenticate(button, false);
    } catch (err) {
      if ((err as Error).message !== 'redirected') showError(button, errorKind(err));
    } finally {
      button.disabled = false;
    }
  });
}

async function startAutofill(button: HTMLElement): Promise<void> {
  // Conditional UI: the browser offers the site's passkeys in the e-mail field's autofill list.
  if (!document.querySelector('input[autocomplete~="webauthn"]') || !(await browserSupportsWebAuthnAutofill())) return;
  try {
    await authenticate(button, true);
  } catch (err) {
    // A click on the button aborts the pending autofill ceremony: not an error to show.
    const kind = errorKind(err);
    if (kind !== 'cancelled' && (err as Error).message !== 'redirected') showError(button, kind);
  }
}

function init(): void {
  if (!browserSupportsWebAuthn()) return;
  for (const el of document.querySelectorAll<HTMLElement>('[data-passkey-only]')) el.hidden = false;
  for (const form of document.querySelectorAll<HTMLFormElement>('form[data-passkey-register]')) wireRegistration(form);
  for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-passkey-authenticate]')) {
    wireAuthentication(button);
    if (button.hasAttribute('data-autofill')) void startAutofill(button);
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
else init();
