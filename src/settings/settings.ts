import { z } from 'zod';
import type { AppContext } from '../platform/context.ts';
import type { Db } from '../platform/db/database.ts';
import { notify } from '../platform/db/database.ts';
import { defaultShippingConfig, shippingConfigSchema } from './shipping-config.ts';

/** Everything about the shop itself that staff set: seller details, invoice number, fees. */
export const shopSettingsSchema = z.object({
  name: z.string().min(1).max(100),
  tagline_ja: z.string().max(200).default(''),
  tagline_en: z.string().max(200).default(''),
  // 特定商取引法に基づく表記
  seller: z.string().min(1).max(200),
  representative: z.string().max(100).default(''),
  address: z.string().min(1).max(300),
  phone: z.string().min(1).max(30),
  email: z.string().email(),
  business_hours: z.string().max(200).default(''),
  // qualified-invoice issuer registration number (適格請求書発行事業者登録番号)
  invoice_number: z.string().regex(/^T\d{13}$/).nullable().default(null),
  bank_account: z.string().max(500).default(''),
  bank_transfer_days: z.number().int().min(1).max(30).default(7),
  /** Issue 10: a guest's (no account) bank transfer is due sooner, so unpaid guest orders give their stock back sooner. */
  guest_bank_transfer_hours: z.number().int().min(6).max(720).default(48),
  shipping_days: z.string().max(200).default(''),
  returns_policy: z.string().max(2000).default(''),
  /** 利用規約: shown at /legal/terms and agreed to at registration. */
  terms_of_use: z.string().max(20000).default(''),
  free_shipping_threshold: z.number().int().min(0).nullable().default(null),
  /** How consumption tax is rounded once per rate per order. */
  tax_rounding: z.enum(['floor', 'round', 'ceil']).default('floor'),
  /** Issue 11: the provider of payments on a hosted page (its keys come from the environment, README "Payment providers"). */
  payment_provider: z.enum(['stripe', 'komoju']).default('stripe'),
  /** Methods offered through that provider's hosted page (Stripe: card only). */
  hosted_methods: z.array(z.enum(['card', 'konbini', 'paypay', 'payeasy'])).default(['card']),
  /** Issue 16: regions and rates, time slots, 代引き fee tiers, methods switched off (送料・配送設定 in the console). */
  shipping: shippingConfigSchema.default(defaultShippingConfig),
});
export type ShopSettings = z.infer<typeof shopSettingsSchema>;

export const defaultShopSettings: ShopSettings = shopSettingsSchema.parse({
  name: 'omamori coffee',
  tagline_ja: '自家焙煎のコーヒー豆と道具の店',
  tagline_en: 'Small-batch roasted coffee and brewing tools',
  seller: '株式会社おまもりコーヒー（デモ）',
  representative: '山田 花子',
  address: '〒150-0001 東京都渋谷区神宮前1-2-3',
  phone: '03-1234-5678',
  email: 'shop@example.jp',
  business_hours: '平日 10:00〜17:00',
  invoice_number: 'T1234567890123',
  bank_account: 'デモ銀行 渋谷支店 普通 1234567 カ）オマモリコーヒー',
  shipping_days: 'ご注文（銀行振込はご入金確認）から3営業日以内に発送します。',
  returns_policy: '商品到着後8日以内にご連絡ください。未開封の商品に限り返品をお受けします。お客様都合の返品送料はお客様のご負担となります。不良品は当店負担で交換いたします。',
  free_shipping_threshold: 5000,
  terms_of_use: '第1条（適用）\n本規約は、当店が運営するオンラインストア（以下「本ストア」）の利用に関する条件を定めるものです。\n\n第2条（会員登録）\n登録を希望する方は、本規約に同意のうえ、当店の定める方法で登録するものとします。\n\n第3条（禁止事項）\n他人になりすます行為、本ストアの運営を妨げる行為、法令に違反する行為を禁止します。\n\n第4条（免責）\n当店は、当店の故意または重過失による場合を除き、本ストアの利用により生じた損害について責任を負いません。\n\n（デモ用の文面です。管理画面の「ショップ設定」で書き換えてください。）',
});

const settingsKey = 'shop';
const channel = 'shop_settings_changed';

/** Reads shop settings from a cache that every app instance drops when any instance saves. */
export function createShopSettings(ctx: AppContext) {
  let cached: ShopSettings | undefined;
  void ctx.database.listen(channel, () => {
    cached = undefined;
  });
  return {
    async get(): Promise<ShopSettings> {
      if (cached) return cached;
      const row = await ctx.db.selectFrom('shop_setting').select('value').where('key', '=', settingsKey).executeTakeFirst();
      cached = row ? shopSettingsSchema.parse(row.value) : defaultShopSettings;
      return cached;
    },
    async save(trx: Db, settings: ShopSettings): Promise<void> {
      const value = JSON.stringify(shopSettingsSchema.parse(settings));
      await trx
        .insertInto('shop_setting')
        .values({ key: settingsKey, value })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: new Date() }))
        .execute();
      await notify(trx, channel);
      cached = undefined;
    },
  };
}
export type ShopSettingsService = ReturnType<typeof createShopSettings>;
