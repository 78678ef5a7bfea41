import { z } from 'zod';
import { prefectures, type Region } from '../platform/jp/prefectures.ts';

/**
 * Issue 16: how the shop ships and is paid, as the operator sets it in the console (送料・配送設定):
 * prefecture groups with a rate per parcel size, the delivery time slots offered at checkout,
 * 代金引換 fee tiers and the payment methods switched off. Kept inside the shop settings document.
 */

/** Parcel sizes (三辺合計 cm) as the carriers price them; each product has one (60 by default). */
export const parcelSizes = [60, 80, 100, 120, 140, 160] as const;
export type ParcelSize = (typeof parcelSizes)[number];

/** The carriers' standard delivery time slots (ヤマト運輸・佐川急便 share these). */
export const timeSlotIds = ['am', '12-14', '14-16', '16-18', '18-20', '19-21'] as const;
export type TimeSlotId = (typeof timeSlotIds)[number];

/** Methods an operator may switch off (hosted-page methods are chosen in the provider section). */
export const switchablePaymentMethods = ['bank_transfer', 'cod'] as const;

const yen = z.number().int().min(0).max(1_000_000);
const rates = z.object(Object.fromEntries(parcelSizes.map((s) => [String(s), yen])) as Record<`${ParcelSize}`, typeof yen>);

export const shippingRegionSchema = z.object({
  name: z.string().min(1).max(30),
  prefectures: z.array(z.string()).min(1),
  rates,
});
export type ShippingRegion = z.infer<typeof shippingRegionSchema>;

export const codTierSchema = z.object({ up_to: z.number().int().min(1).max(10_000_000), fee: yen });
export type CodTier = z.infer<typeof codTierSchema>;

export const shippingConfigSchema = z.object({
  regions: z.array(shippingRegionSchema).min(1).max(47),
  time_slots: z.array(z.enum(timeSlotIds)),
  cod_tiers: z.array(codTierSchema).min(1).max(10),
  payment_methods_off: z.array(z.enum(switchablePaymentMethods)),
});
export type ShippingConfig = z.infer<typeof shippingConfigSchema>;

const regionNames: Record<Region, string> = {
  hokkaido: '北海道',
  tohoku: '東北',
  kanto: '関東',
  chubu: '中部',
  kinki: '近畿',
  chugoku: '中国',
  shikoku: '四国',
  kyushu: '九州',
  okinawa: '沖縄',
};
/** The size-60 fee per region before issue 16 (kept, so that existing orders and tests price alike). */
const size60: Record<Region, number> = { hokkaido: 1_200, tohoku: 900, kanto: 800, chubu: 800, kinki: 900, chugoku: 1_000, shikoku: 1_000, kyushu: 1_100, okinawa: 1_800 };
const sizeStep: Record<ParcelSize, number> = { 60: 0, 80: 250, 100: 500, 120: 800, 140: 1_100, 160: 1_400 };

export const defaultShippingConfig: ShippingConfig = {
  regions: (Object.keys(regionNames) as Region[]).map((r) => ({
    name: regionNames[r],
    prefectures: prefectures.filter((p) => p.region === r).map((p) => p.ja),
    rates: Object.fromEntries(parcelSizes.map((s) => [String(s), size60[r] + sizeStep[s] * (r === 'okinawa' ? 2 : 1)])) as ShippingRegion['rates'],
  })),
  time_slots: [...timeSlotIds],
  cod_tiers: [
    { up_to: 10_000, fee: 330 },
    { up_to: 30_000, fee: 440 },
    { up_to: 100_000, fee: 660 },
    { up_to: 300_000, fee: 1_100 },
  ],
  payment_methods_off: [],
};

/** The region a prefecture (its Japanese name) belongs to in this configuration. */
export function regionOf(config: ShippingConfig, prefecture: string): ShippingRegion | undefined {
  return config.regions.find((r) => r.prefectures.includes(prefecture));
}

/** The smallest parcel size that holds `size` (an unknown size counts as the largest). */
export function parcelSizeFor(size: number): ParcelSize {
  return parcelSizes.find((s) => s >= size) ?? 160;
}

/** The lowest and highest rate of any region and size, for the legal notice and the checkout's description. */
export function feeRange(config: ShippingConfig): { min: number; max: number } {
  const fees = config.regions.flatMap((r) => Object.values(r.rates));
  return { min: Math.min(...fees), max: Math.max(...fees) };
}

/** The lowest and highest 代引き fee, for the legal notice. */
export function codFeeRange(config: ShippingConfig): { min: number; max: number } {
  const fees = config.cod_tiers.map((t) => t.fee);
  return { min: Math.min(...fees), max: Math.max(...fees) };
}
