import { defineMessages, type Locale } from '../i18n/index.ts';

/** One catalogue of errors a client may see: code, HTTP status and a localized message. */
const catalogue = {
  not_found: { status: 404, ja: 'ページが見つかりません。', en: 'The page was not found.' },
  forbidden: { status: 403, ja: 'この操作は許可されていません。', en: 'You are not allowed to do this.' },
  unauthenticated: { status: 401, ja: 'ログインしてください。', en: 'Please sign in.' },
  bad_origin: {
    status: 403,
    ja: 'リクエストの送信元を確認できませんでした。ページを再読み込みしてもう一度お試しください。',
    en: 'We could not verify where this request came from. Please reload the page and try again.',
  },
  // Issue 14: the request did not come through the shop's proxy + WAF (EDGE_REQUIRED).
  edge_required: { status: 403, ja: 'このアドレスには直接アクセスできません。お店の URL からご利用ください。', en: 'This address cannot be used directly. Please use the shop’s own URL.' },
  bad_request: { status: 400, ja: 'リクエストを処理できませんでした。', en: 'The request could not be processed.' },
  validation: { status: 422, ja: '入力内容を確認してください。', en: 'Please check what you entered.' },
  conflict: { status: 409, ja: 'この操作は現在の状態では行えません。', en: 'This cannot be done in the current state.' },
  payload_too_large: { status: 413, ja: '送信されたデータが大きすぎます。', en: 'What you sent is too large.' },
  unsupported_media: { status: 415, ja: 'この形式のデータは受け付けていません。', en: 'This kind of data is not accepted.' },
  rate_limited: { status: 429, ja: 'アクセスが集中しています。しばらくしてからもう一度お試しください。', en: 'Too many requests. Please try again shortly.' },
  sold_out: { status: 409, ja: '申し訳ありません。在庫が不足している商品があります。', en: 'Sorry, an item in your cart is no longer in stock.' },
  // Issue 18: overload answers (503 + Retry-After); nothing was changed, trying again is safe.
  busy: {
    status: 503,
    ja: 'ただいま混み合っています。少し時間をおいてもう一度お試しください。ご注文やお支払いは行われていません。',
    en: 'We are very busy right now. Please try again in a moment. Nothing was ordered or charged.',
  },
  unavailable: {
    status: 503,
    ja: 'ただいま一時的にご利用いただけません。少し時間をおいてもう一度お試しください。ご注文やお支払いは行われていません。',
    en: 'The store is briefly unavailable. Please try again in a moment. Nothing was ordered or charged.',
  },
  internal: {
    status: 500,
    ja: '申し訳ありません。問題が発生しました。時間をおいてもう一度お試しください。',
    en: 'Sorry, something went wrong. Please try again in a moment.',
  },
} as const;

export type ErrorCode = keyof typeof catalogue;

const messages = defineMessages({
  ja: Object.fromEntries(Object.entries(catalogue).map(([k, v]) => [k, v.ja])) as Record<ErrorCode, string>,
  en: Object.fromEntries(Object.entries(catalogue).map(([k, v]) => [k, v.en])) as Record<ErrorCode, string>,
});

/**
 * An error meant for the client. `fields` carries localized per-field messages for forms;
 * `message` overrides the catalogue text with a more specific, already-localized one.
 */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail: { message?: string; fields?: Record<string, string>; headers?: Record<string, string>; cardGuard?: true } = {},
  ) {
    super(code);
    this.status = catalogue[code].status;
  }

  localized(locale: Locale): string {
    return this.detail.message ?? messages(locale, this.code);
  }
}

export function errorMessage(code: ErrorCode, locale: Locale): string {
  return messages(locale, code);
}
