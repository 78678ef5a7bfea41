import type { TestClient, TestResponse } from '../../test/client.ts';

/** Test helper: a complete, valid checkout form for a guest in Tokyo paying by bank transfer. */
export const validForm = {
  email: 'hanako@example.jp',
  name: '山田 花子',
  name_kana: 'ヤマダ ハナコ',
  postal_code: '1500001',
  prefecture: '東京都',
  city: '渋谷区',
  line1: '神宮前1-2-3',
  line2: 'おまもりビル 4F',
  phone: '03-1234-5678',
  shipping_method: 'standard',
  payment_method: 'bank_transfer',
  note: '',
};

const entities: Record<string, string> = { '&amp;': '&', '&quot;': '"', '&#39;': "'", '&lt;': '<', '&gt;': '>', '&#96;': '`' };

/** The hidden fields of the review page's "place order" form, as the browser would submit them. */
export function placeFormFields(review: TestResponse): Record<string, string> {
  const form = /<form method="post" action="\/checkout\/place"[\s\S]*?<\/form>/.exec(review.text)?.[0];
  if (!form) throw new Error(`no place-order form in the page (status ${review.status})`);
  const out: Record<string, string> = {};
  for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) out[m[1]!] = m[2]!.replace(/&(amp|quot|#39|lt|gt|#96);/g, (e) => entities[e]!);
  return out;
}

export async function reviewAndPlace(c: TestClient, form: Record<string, string> = validForm): Promise<{ review: TestResponse; placed: TestResponse; fields: Record<string, string> }> {
  const review = await c.postForm('/checkout/review', form);
  const fields = placeFormFields(review);
  const placed = await c.postForm('/checkout/place', fields);
  return { review, placed, fields };
}
