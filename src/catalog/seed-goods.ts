import { withCheckDigit } from './jan.ts';
import type { SeedProduct } from './seed-types.ts';

const one = (sku: string, ja: string, en: string, price: number, stock: number, jan?: string) => [{ sku, ja, en, price, stock, ...(jan ? { jan } : {}) }];

/** Tea and sweets (reduced 8%), tableware and tools (standard 10%), and gift sets. */
export const goodsProducts: SeedProduct[] = [
  { slug: 'sencha-yame', category: 'tea', tax: 'reduced', ja: '八女煎茶 さえみどり', en: 'Yame sencha, Saemidori', dja: '福岡・八女の茶園から。まろやかな旨みと、すっきりした後味の煎茶です。', den: 'From a tea garden in Yame, Fukuoka: mellow umami with a clean finish.', variants: one('TEA-SEN-100', '100g', '100 g', 1280, 45, withCheckDigit('458000020001')) },
  { slug: 'hojicha-kyoto', category: 'tea', tax: 'reduced', ja: '京都ほうじ茶', en: 'Kyoto hojicha', dja: '強火で焙じた香ばしいほうじ茶。カフェインが少なめで、食後にもおすすめです。', den: 'Roasted green tea with a toasty aroma and little caffeine; lovely after meals.', variants: [{ sku: 'TEA-HOJ-80', ja: '80g', en: '80 g', price: 1080, stock: 50 }, { sku: 'TEA-HOJ-TB', ja: 'ティーバッグ 15個', en: '15 tea bags', price: 980, stock: 40 }] },
  { slug: 'wakocha-kagoshima', category: 'tea', tax: 'reduced', ja: '鹿児島 和紅茶', en: 'Kagoshima black tea (wakocha)', dja: '渋みが少なく、ほんのり甘い国産紅茶。ストレートでどうぞ。', den: 'A Japanese black tea: little astringency and a gentle sweetness. Best taken straight.', variants: one('TEA-WAK-50', '50g', '50 g', 1380, 30) },
  { slug: 'coffee-financier', category: 'sweets', tax: 'reduced', ja: '珈琲フィナンシェ 6個入', en: 'Coffee financiers, box of 6', dja: '焦がしバターと当店の深煎り豆を練り込んだ、しっとり食感のフィナンシェ。', den: 'Moist financiers made with browned butter and our dark-roast coffee.', variants: one('SWT-FIN-6', '6個入', 'Box of 6', 1620, 24, withCheckDigit('458000030001')) },
  { slug: 'kokuto-cookies', category: 'sweets', tax: 'reduced', ja: '黒糖クッキー', en: 'Kokuto brown sugar cookies', dja: '沖縄の黒糖を使った素朴なクッキー。コーヒーのお供に。', den: 'Simple cookies made with Okinawan kokuto sugar, made for coffee.', variants: one('SWT-KKT-12', '12枚入', '12 cookies', 1280, 5) },
  { slug: 'coffee-jelly', category: 'sweets', tax: 'reduced', ja: '珈琲ゼリー 4個入（夏季限定）', en: 'Coffee jelly, 4 cups (summer only)', dja: '水出しコーヒーで作る、ほろ苦いゼリー。今季の販売は終了しました。', den: 'A bittersweet jelly made with cold-brew coffee. Sold out for this season.', variants: one('SWT-JLY-4', '4個入', '4 cups', 1500, 0) },
  {
    slug: 'mashiko-mug', category: 'mugs', tax: 'standard', ja: '益子焼 マグカップ', en: 'Mashiko-ware mug',
    dja: '栃木・益子の窯元による手づくりのマグ。ぽってりとした厚みで、コーヒーが冷めにくい形です。容量約300ml。\n\n電子レンジ・食洗機可', den: 'Handmade by a kiln in Mashiko, Tochigi. Thick walls keep coffee warm. About 300 ml.\n\nMicrowave and dishwasher safe',
    variants: [{ sku: 'MUG-MSK-AME', ja: '飴釉', en: 'Amber glaze', price: 3300, stock: 12 }, { sku: 'MUG-MSK-NUK', ja: '糠白', en: 'Rice-husk white', price: 3300, stock: 9 }, { sku: 'MUG-MSK-AI', ja: '藍', en: 'Indigo', price: 3300, stock: 2 }],
  },
  {
    slug: 'hasami-mug', category: 'mugs', tax: 'standard', ja: '波佐見焼 マグ', en: 'Hasami-ware mug',
    dja: '長崎・波佐見の、すっきりとしたかたちのマグ。重ねて収納できます。容量約280ml。', den: 'A clean-lined, stackable mug from Hasami, Nagasaki. About 280 ml.',
    variants: [{ sku: 'MUG-HSM-WH', ja: '白', en: 'White', price: 2420, stock: 30, jan: withCheckDigit('458000040001') }, { sku: 'MUG-HSM-GY', ja: 'グレー', en: 'Grey', price: 2420, stock: 18, jan: withCheckDigit('458000040002') }, { sku: 'MUG-HSM-NV', ja: '紺', en: 'Navy', price: 2420, stock: 15, jan: withCheckDigit('458000040003') }],
  },
  { slug: 'enamel-mug', category: 'mugs', tax: 'standard', ja: '琺瑯マグ', en: 'Enamel mug', dja: '軽くて丈夫な琺瑯のマグ。アウトドアにも。容量350ml。直火可。', den: 'Light, tough enamel for home or the outdoors. 350 ml; flame safe.', variants: [{ sku: 'MUG-ENM-WH', ja: '白', en: 'White', price: 1980, stock: 25 }, { sku: 'MUG-ENM-BK', ja: '黒', en: 'Black', price: 1980, stock: 20 }] },
  { slug: 'test-mug-10', category: 'mugs', tax: 'standard', ja: 'テスト用 マグカップ', en: 'Test mug', dja: '動作確認用の商品です（標準税率10%）。', den: 'A product for testing (standard rate, 10%).', variants: one('TEST-MUG-10', '白', 'White', 2200, 9999) },
  { slug: 'hasami-dripper', category: 'drippers-tools', tax: 'standard', ja: '波佐見焼 ドリッパー 1〜2杯用', en: 'Hasami-ware dripper, 1–2 cups', dja: '内側のリブがお湯の流れを整え、味が安定する磁器のドリッパー。円すいペーパー02サイズ対応。', den: 'Porcelain dripper with ribs that steady the flow for a consistent cup. Takes size 02 cone filters.', variants: one('TL-DRP-HSM', '白', 'White', 2750, 22, withCheckDigit('458000050001')) },
  { slug: 'drip-kettle', category: 'drippers-tools', tax: 'standard', ja: '細口ドリップケトル 0.8L', en: 'Gooseneck drip kettle, 0.8 L', dja: '細く安定したお湯を注げるステンレスのケトル。IH・ガス火対応。', den: 'A stainless gooseneck kettle for a fine, steady pour. Works on induction and gas.', variants: one('TL-KTL-08', 'ステンレス', 'Stainless steel', 5280, 8, withCheckDigit('458000050002')) },
  { slug: 'hand-grinder', category: 'drippers-tools', tax: 'standard', ja: '手挽きコーヒーミル', en: 'Hand coffee grinder', dja: 'セラミック刃で挽き目を細かく調整できる手挽きミル。挽きたての香りを毎朝に。', den: 'A hand grinder with adjustable ceramic burrs: freshly ground coffee every morning.', variants: one('TL-GRD-CER', 'セラミック刃', 'Ceramic burrs', 6800, 5) },
  { slug: 'paper-filter', category: 'drippers-tools', tax: 'standard', ja: '円すいペーパーフィルター 02サイズ 100枚', en: 'Cone paper filters, size 02, 100 sheets', dja: '無漂白の円すい形ペーパー。1〜4杯用。', den: 'Unbleached cone filters for 1–4 cups.', variants: one('TL-FLT-02', '100枚', '100 sheets', 550, 200, withCheckDigit('4580006')) },
  { slug: 'glass-server', category: 'drippers-tools', tax: 'standard', ja: '耐熱ガラス コーヒーサーバー 600ml', en: 'Heat-resistant glass server, 600 ml', dja: '目盛り付きで量りやすい耐熱ガラスのサーバー。電子レンジ可。', den: 'A heat-resistant glass server with measuring marks. Microwave safe.', variants: one('TL-SRV-600', '600ml', '600 ml', 2200, 16) },
  { slug: 'coffee-canister', category: 'drippers-tools', tax: 'standard', ja: '茶筒型キャニスター（銅）', en: 'Copper tea-caddy canister', dja: '職人が仕上げる銅の茶筒型キャニスター。密閉性が高く、豆200gが入ります。使うほどに色が深まります。', den: 'A craftsman-made copper caddy that seals tightly and holds 200 g of beans. Darkens beautifully with use.', variants: one('TL-CAN-CU', '銅', 'Copper', 6600, 4) },
  // Gift sets take the tax class of what dominates them: food-only sets are reduced; a set with tableware is standard.
  { slug: 'gift-beans-mug', category: 'gifts', tax: 'standard', ja: 'ギフト 豆とマグのセット', en: 'Gift set: beans and a mug', dja: 'お好きなコーヒー豆200gと波佐見焼マグのセット。のし・包装無料。', den: 'Coffee beans (200 g) of your choice and a Hasami-ware mug. Free gift wrapping.', variants: one('GFT-BNS-MUG', '白マグ', 'White mug', 4800, 15) },
  { slug: 'gift-starter-set', category: 'gifts', tax: 'standard', ja: 'はじめてのハンドドリップセット', en: 'Hand-drip starter set', dja: 'ドリッパー、ペーパーフィルター、コーヒー豆200gのセット。これひとつで今日から始められます。', den: 'A dripper, filters and 200 g of beans: everything to start brewing today.', variants: one('GFT-STARTER', 'セット', 'Set', 5800, 10) },
  { slug: 'gift-drip-bags', category: 'gifts', tax: 'reduced', ja: 'ドリップバッグ ギフト箱 20袋', en: 'Drip bag gift box, 20 bags', dja: '4種のドリップバッグを木箱に詰めました。内祝いやお礼に。', den: 'Four coffees in drip bags, packed in a wooden box. For thank-you gifts.', variants: one('GFT-DB-20', '20袋入', '20 bags', 3500, 3) },
];
