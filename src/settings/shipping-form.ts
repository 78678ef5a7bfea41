import type { FieldErrors } from '../platform/http/forms.ts';
import type { Locale } from '../platform/i18n/index.ts';
import { prefectures } from '../platform/jp/prefectures.ts';
import { parcelSizes, switchablePaymentMethods, timeSlotIds, type CodTier, type ShippingConfig, type ShippingRegion, type TimeSlotId } from './shipping-config.ts';
import { st } from './shipping-messages.ts';

/**
 * The 送料・配送設定 form, read field by field so that every message lands next to the field that caused it.
 * Field names: free_shipping_threshold; region_<i>_name, region_<i>_prefectures, region_<i>_rate_<size>;
 * time_slots (checkboxes); cod_<i>_up_to, cod_<i>_fee; methods_on (checkboxes). A region or tier row left
 * completely empty is dropped (that is how a row is removed).
 */
export const maxRegionRows = 47;
export const maxCodRows = 10;
const maxYen = 10_000_000;

export type ShippingFormResult = { ok: true; config: ShippingConfig; threshold: number | null } | { ok: false; errors: FieldErrors };

type Body = Record<string, unknown>;
const str = (b: Body, k: string) => (typeof b[k] === 'string' ? (b[k] as string) : '');
const list = (b: Body, k: string): string[] => {
  const v = b[k];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
};
/** Whole yen as people type them: full width, 1,200, ¥1200, 1200円. */
export function yenFromText(raw: string): number | null | 'bad' {
  const s = raw.normalize('NFKC').replace(/[,\s¥円]/g, '');
  if (s === '') return null;
  if (!/^\d{1,9}$/.test(s)) return 'bad';
  const n = Number(s);
  return n <= maxYen ? n : 'bad';
}
const count = (b: Body, k: string, max: number) => Math.min(max, Math.max(0, Number.parseInt(str(b, k), 10) || 0));

export function parseShippingForm(body: unknown, locale: Locale, hostedCard: boolean): ShippingFormResult {
  const b = (body && typeof body === 'object' ? body : {}) as Body;
  const errors: FieldErrors = {};
  const m = (key: Parameters<typeof st>[1], vars?: Record<string, string | number>) => st(locale, key, vars);

  const thresholdRaw = yenFromText(str(b, 'free_shipping_threshold'));
  if (thresholdRaw === 'bad') errors.free_shipping_threshold = m('badYen');
  const threshold = thresholdRaw === 'bad' ? null : thresholdRaw;

  const known = new Set(prefectures.map((p) => p.ja));
  const owner = new Map<string, string>();
  const regions: ShippingRegion[] = [];
  for (let i = 0; i < count(b, 'region_count', maxRegionRows + 1); i++) {
    const name = str(b, `region_${i}_name`).trim();
    const names = str(b, `region_${i}_prefectures`).normalize('NFKC').split(/[\s,、，・]+/).filter(Boolean);
    const rateText = parcelSizes.map((s) => str(b, `region_${i}_rate_${s}`));
    if (!name && !names.length && rateText.every((r) => !r.trim())) continue;
    if (!name) errors[`region_${i}_name`] = m('regionName');
    else if (name.length > 30) errors[`region_${i}_name`] = m('tooLong', { max: 30 });
    const unknown = names.filter((n) => !known.has(n));
    if (!names.length) errors[`region_${i}_prefectures`] = m('noPrefectures');
    else if (unknown.length) errors[`region_${i}_prefectures`] = m('unknownPrefecture', { names: unknown.slice(0, 3).join('、') });
    else {
      const twice = names.find((n) => owner.has(n));
      if (twice) errors[`region_${i}_prefectures`] = m('prefectureTwice', { name: twice, region: owner.get(twice)! });
      for (const n of names) if (!owner.has(n)) owner.set(n, name || `#${i + 1}`);
    }
    const rates: Partial<Record<string, number>> = {};
    parcelSizes.forEach((s, k) => {
      const v = yenFromText(rateText[k]!);
      if (v === null || v === 'bad' || v > 1_000_000) errors[`region_${i}_rate_${s}`] = m('badRate');
      else rates[String(s)] = v;
    });
    regions.push({ name, prefectures: [...new Set(names)], rates: rates as ShippingRegion['rates'] });
  }
  const missing = prefectures.filter((p) => !owner.has(p.ja)).map((p) => p.ja);
  if (!regions.length) errors.regions = m('noRegions');
  else if (missing.length && !Object.keys(errors).some((k) => k.startsWith('region_'))) errors.regions = m('missingPrefectures', { names: missing.join('、') });

  const slots = list(b, 'time_slots');
  if (slots.some((x) => !(timeSlotIds as readonly string[]).includes(x))) errors.time_slots = m('badChoice');
  const time_slots = timeSlotIds.filter((id) => slots.includes(id)) as TimeSlotId[];

  const on = list(b, 'methods_on');
  if (on.some((x) => !(switchablePaymentMethods as readonly string[]).includes(x))) errors.methods_on = m('badChoice');
  const payment_methods_off = switchablePaymentMethods.filter((id) => !on.includes(id));
  if (payment_methods_off.length === switchablePaymentMethods.length && !hostedCard) errors.methods_on = m('noMethodLeft');

  const cod_tiers: CodTier[] = [];
  for (let i = 0; i < count(b, 'cod_count', maxCodRows + 1); i++) {
    const upTo = yenFromText(str(b, `cod_${i}_up_to`));
    const fee = yenFromText(str(b, `cod_${i}_fee`));
    if (upTo === null && fee === null) continue;
    if (upTo === null || upTo === 'bad' || upTo < 1) errors[`cod_${i}_up_to`] = m('badYen');
    if (fee === null || fee === 'bad' || fee > 1_000_000) errors[`cod_${i}_fee`] = m('badRate');
    else if (typeof upTo === 'number' && fee >= upTo) errors[`cod_${i}_fee`] = m('feeAboveLimit');
    if (typeof upTo === 'number' && cod_tiers.length && upTo <= cod_tiers.at(-1)!.up_to) errors[`cod_${i}_up_to`] = m('tiersAscending');
    if (typeof upTo === 'number' && typeof fee === 'number') cod_tiers.push({ up_to: upTo, fee });
  }
  if (!cod_tiers.length && !Object.keys(errors).some((k) => k.startsWith('cod_'))) errors.cod_0_up_to = m('noTiers');

  if (Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, config: { regions, time_slots, cod_tiers, payment_methods_off }, threshold };
}
