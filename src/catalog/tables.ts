import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | undefined, Date>;
export type TaxClass = 'standard' | 'reduced';

export interface CatalogTables {
  category: { id: Generated<number>; slug: string; name_ja: string; name_en: string; position: Generated<number> };
  product: {
    id: Generated<number>;
    slug: string;
    category_id: number | null;
    name_ja: string;
    name_en: string;
    description_ja: Generated<string>;
    description_en: Generated<string>;
    tax_class: TaxClass;
    published: Generated<boolean>;
    position: Generated<number>;
    created_at: Timestamp;
    updated_at: Timestamp;
    /** Normalised names, variants, category, SKUs and JAN codes; null while stale (see search-index.ts). */
    search_text: ColumnType<string | null, string | null | undefined, string | null>;
    search_desc: ColumnType<string | null, string | null | undefined, string | null>;
    search_grams: ColumnType<string[] | null, string[] | null | undefined, string[] | null>;
    /** Distinct trigrams of search_text (search-normalize.ts trigramCount), for ranking. */
    search_trgm_n: ColumnType<number | null, number | null | undefined, number | null>;
    /** False: published (reachable by its URL) but not shown in listings or search. */
    listed: Generated<boolean>;
    /** issue 16: parcel size (三辺合計 cm: 60, 80, ... 160) for the shipping rate */
    shipping_size: Generated<number>;
  };
  variant: {
    id: Generated<number>;
    product_id: number;
    sku: string;
    name_ja: string;
    name_en: string;
    price: number;
    stock: Generated<number>;
    jan_code: string | null;
    position: Generated<number>;
  };
  product_image: {
    id: Generated<number>;
    product_id: number;
    file_name: string;
    content_type: 'image/jpeg' | 'image/png' | 'image/webp';
    byte_size: number;
    alt_ja: Generated<string>;
    alt_en: Generated<string>;
    position: Generated<number>;
    created_at: Timestamp;
  };
}
