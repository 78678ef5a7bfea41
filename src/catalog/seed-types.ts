import type { TaxClass } from './tables.ts';

export interface SeedVariant {
  sku: string;
  ja: string;
  en: string;
  price: number;
  stock: number;
  jan?: string;
}

export interface SeedProduct {
  slug: string;
  category: string;
  tax: TaxClass;
  ja: string;
  en: string;
  dja: string;
  den: string;
  variants: SeedVariant[];
}

const grinds = [
  { code: 'WB', ja: '豆のまま', en: 'Whole bean' },
  { code: 'MD', ja: '中挽き', en: 'Medium grind' },
  { code: 'FN', ja: '細挽き', en: 'Fine grind' },
];

/** Six variants for a coffee: 200 g and 500 g, each whole bean, medium or fine grind. */
export function beanVariants(code: string, price200: number, price500: number, stock200 = 40, stock500 = 20): SeedVariant[] {
  return [200, 500].flatMap((g) =>
    grinds.map((grind) => ({
      sku: `${code}-${g}-${grind.code}`,
      ja: `${g}g・${grind.ja}`,
      en: `${g} g, ${grind.en.toLowerCase()}`,
      price: g === 200 ? price200 : price500,
      stock: g === 200 ? stock200 : stock500,
    })),
  );
}
