import type { Locale } from '../platform/i18n/index.ts';

/** The carriers a Japanese shop hands parcels to; '' on an order means not recorded. */
export const carrierIds = ['yamato', 'sagawa', 'japanpost', 'other'] as const;
export type CarrierId = (typeof carrierIds)[number];

const labels: Record<CarrierId, Record<Locale, string>> = {
  yamato: { ja: 'ヤマト運輸', en: 'Yamato Transport' },
  sagawa: { ja: '佐川急便', en: 'Sagawa Express' },
  japanpost: { ja: '日本郵便', en: 'Japan Post' },
  other: { ja: 'その他', en: 'Other' },
};

export const isCarrier = (v: string): v is CarrierId => (carrierIds as readonly string[]).includes(v);

export function carrierLabel(id: string, l: Locale): string {
  return isCarrier(id) ? labels[id][l] : '';
}

/**
 * What a tracking number of each carrier looks like (after removing hyphens and spaces): ヤマト and 佐川 number their
 * waybills with 12 digits, 日本郵便 ゆうパック / レターパック 11-13 digits, or two letters, 9 digits and "JP" (international).
 * Other carriers: letters, digits and hyphens, up to 40.
 */
export function normalizeTracking(carrier: CarrierId, raw: string): string | null {
  const v = raw.normalize('NFKC').trim();
  const compact = v.replace(/[-\s]/g, '');
  switch (carrier) {
    case 'yamato':
    case 'sagawa':
      return /^\d{12}$/.test(compact) ? compact : null;
    case 'japanpost':
      return /^\d{11,13}$/.test(compact) || /^[A-Z]{2}\d{9}JP$/.test(compact) ? compact : null;
    case 'other':
      return /^[A-Za-z0-9-]{4,40}$/.test(v) ? v : null;
  }
}

/** The carrier's own tracking page for a number (fixed hosts; the number is checked by normalizeTracking and URL-encoded). */
export function trackingUrl(carrier: string, number: string): string | null {
  if (!number) return null;
  const n = encodeURIComponent(number);
  switch (carrier) {
    case 'yamato':
      return `https://toi.kuronekoyamato.co.jp/cgi-bin/tneko?number01=${n}`;
    case 'sagawa':
      return `https://k2k.sagawa-exp.co.jp/p/web/okurijosearch.do?okurijoNo=${n}`;
    case 'japanpost':
      return `https://trackings.post.japanpost.jp/services/srv/search/direct?reqCodeNo1=${n}&searchKind=S002&locale=ja`;
    default:
      return null;
  }
}
