export const locales = ['ja', 'en'] as const;
export type Locale = (typeof locales)[number];
export const defaultLocale: Locale = 'ja';

type Params = Record<string, string | number>;
type Catalog = Record<string, string>;

/**
 * Declares a domain's messages. The English catalog must have exactly the Japanese keys,
 * so a missing translation fails to compile.
 */
export function defineMessages<const J extends Catalog>(catalogs: { ja: J; en: { [K in keyof J]: string } }) {
  return function t(locale: Locale, key: keyof J & string, params?: Params): string {
    const template = (catalogs[locale] as Catalog)[key] ?? catalogs.ja[key] ?? key;
    return params ? interpolate(template, params) : template;
  };
}

export type Translator<K extends string> = (locale: Locale, key: K, params?: Params) => string;

function interpolate(template: string, params: Params): string {
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

export function isLocale(value: unknown): value is Locale {
  return value === 'ja' || value === 'en';
}

/** Picks ja or en from an explicit choice, then Accept-Language; Japanese by default. */
export function negotiateLocale(explicit: unknown, acceptLanguage: string | undefined): Locale {
  if (isLocale(explicit)) return explicit;
  if (acceptLanguage) {
    const ranked = acceptLanguage
      .split(',')
      .map((part) => {
        const [tag, ...rest] = part.trim().split(';');
        const q = rest.find((r) => r.trim().startsWith('q='));
        return { tag: (tag ?? '').toLowerCase(), q: q ? Number(q.trim().slice(2)) || 0 : 1 };
      })
      .sort((a, b) => b.q - a.q);
    for (const { tag } of ranked) {
      if (tag.startsWith('ja')) return 'ja';
      if (tag.startsWith('en')) return 'en';
    }
  }
  return defaultLocale;
}

const yen = { ja: new Intl.NumberFormat('ja-JP'), en: new Intl.NumberFormat('en-US') };

/** JPY amounts are integers; shown as ¥1,234 in both languages. */
export function formatYen(amount: number, locale: Locale): string {
  return `¥${yen[locale].format(amount)}`;
}

const dateFormats = {
  ja: new Intl.DateTimeFormat('ja-JP', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Tokyo' }),
  en: new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Tokyo' }),
};

export function formatDateTime(date: Date, locale: Locale): string {
  return dateFormats[locale].format(date);
}
