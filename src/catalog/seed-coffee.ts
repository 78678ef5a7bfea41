import { withCheckDigit } from './jan.ts';
import { beanVariants, type SeedProduct } from './seed-types.ts';

/** Coffee beans and drip bags: food, so the reduced 8% rate. */
export const coffeeProducts: SeedProduct[] = [
  {
    slug: 'ethiopia-yirgacheffe', category: 'coffee-beans', tax: 'reduced',
    ja: 'エチオピア イルガチェフェ G1', en: 'Ethiopia Yirgacheffe G1',
    dja: 'ジャスミンのような華やかな香りと、レモンティーを思わせる明るい酸味。浅煎りで豆の個性をいかしました。\n\n焙煎度: 浅煎り', den: 'A floral, jasmine-like aroma with a bright acidity reminiscent of lemon tea. Lightly roasted to let the bean speak.\n\nRoast: light',
    variants: beanVariants('ETH-YIR', 1680, 3800),
  },
  {
    slug: 'guatemala-antigua', category: 'coffee-beans', tax: 'reduced',
    ja: 'グアテマラ アンティグア', en: 'Guatemala Antigua',
    dja: '火山灰土壌で育った豆。ミルクチョコレートのような甘さと、やわらかなコクがあります。\n\n焙煎度: 中煎り', den: 'Grown in volcanic soil: milk-chocolate sweetness and a gentle body.\n\nRoast: medium',
    variants: beanVariants('GTM-ANT', 1580, 3600),
  },
  {
    slug: 'yonaga-dark-blend', category: 'coffee-beans', tax: 'reduced',
    ja: '深煎りブレンド「夜長」', en: 'Yonaga Dark Roast Blend',
    dja: '秋の夜長にゆっくり味わいたい、ほろ苦く深いコクのブレンド。ミルクとの相性も抜群です。\n\n焙煎度: 深煎り', den: 'A bittersweet, full-bodied blend for long autumn evenings. Excellent with milk.\n\nRoast: dark',
    variants: beanVariants('BLD-YNG', 1480, 3400, 60, 30),
  },
  {
    slug: 'asayake-light-blend', category: 'coffee-beans', tax: 'reduced',
    ja: '浅煎りブレンド「朝焼け」', en: 'Asayake Light Roast Blend',
    dja: '朝の一杯にぴったりの、すっきりと軽やかなブレンド。柑橘のような後味が残ります。\n\n焙煎度: 浅煎り', den: 'A clean, light blend for your first cup of the day, with a citrus finish.\n\nRoast: light',
    variants: beanVariants('BLD-ASY', 1480, 3400),
  },
  {
    slug: 'kenya-nyeri', category: 'coffee-beans', tax: 'reduced',
    ja: 'ケニア ニエリ AA', en: 'Kenya Nyeri AA',
    dja: 'カシスやトマトを思わせるジューシーな酸味と、しっかりした甘さ。数量限定のロットです。\n\n焙煎度: 中浅煎り', den: 'Juicy blackcurrant and tomato-like acidity with a firm sweetness. A limited lot.\n\nRoast: medium-light',
    variants: beanVariants('KEN-NYR', 1880, 4300, 12, 3),
  },
  {
    slug: 'colombia-huila', category: 'coffee-beans', tax: 'reduced',
    ja: 'コロンビア ウイラ', en: 'Colombia Huila',
    dja: 'キャラメルのような甘さと、赤りんごの酸味がバランスよく広がります。毎日飲みたい定番の味。\n\n焙煎度: 中煎り', den: 'Caramel sweetness balanced by red-apple acidity: an everyday favourite.\n\nRoast: medium',
    variants: beanVariants('COL-HUI', 1580, 3600),
  },
  {
    slug: 'brazil-cerrado', category: 'coffee-beans', tax: 'reduced',
    ja: 'ブラジル セラード', en: 'Brazil Cerrado',
    dja: 'ナッツのような香ばしさと、穏やかな苦み。酸味が苦手な方にもおすすめです。\n\n焙煎度: 中深煎り', den: 'Nutty and mellow with a gentle bitterness; a good choice if you prefer low acidity.\n\nRoast: medium-dark',
    variants: beanVariants('BRA-CER', 1380, 3100),
  },
  {
    slug: 'decaf-mexico', category: 'coffee-beans', tax: 'reduced',
    ja: 'デカフェ メキシコ（マウンテンウォーター製法）', en: 'Decaf Mexico (Mountain Water Process)',
    dja: '化学薬品を使わない水抽出法でカフェインを99.9%除去。夜でも安心して楽しめる、まろやかな味わいです。', den: 'Decaffeinated to 99.9% with water only, no chemicals. Smooth enough to enjoy late at night.',
    variants: beanVariants('DEC-MEX', 1780, 4000, 25, 10),
  },
  {
    slug: 'test-beans-8', category: 'coffee-beans', tax: 'reduced',
    ja: 'テスト用 コーヒー豆 200g', en: 'Test coffee beans 200 g',
    dja: '動作確認用の商品です（軽減税率8%）。', den: 'A product for testing (reduced rate, 8%).',
    variants: [{ sku: 'TEST-BEANS-8', ja: '200g・豆のまま', en: '200 g, whole bean', price: 1500, stock: 9999 }],
  },
  {
    slug: 'drip-bag-assort', category: 'drip-bags', tax: 'reduced',
    ja: 'ドリップバッグ 飲み比べセット', en: 'Drip bag tasting set',
    dja: '定番4種のドリップバッグ詰め合わせ。カップにかけてお湯を注ぐだけで、本格的な一杯になります。1袋10g。', den: 'Four of our regular coffees in drip bags. Hang on a cup and pour: a proper cup anywhere. 10 g per bag.',
    variants: [
      { sku: 'DB-ASRT-10', ja: '10袋入', en: '10 bags', price: 1480, stock: 80, jan: withCheckDigit('458000010001') },
      { sku: 'DB-ASRT-20', ja: '20袋入', en: '20 bags', price: 2800, stock: 35, jan: withCheckDigit('458000010002') },
    ],
  },
  {
    slug: 'drip-bag-yonaga', category: 'drip-bags', tax: 'reduced',
    ja: 'ドリップバッグ「夜長」', en: 'Yonaga drip bags',
    dja: '深煎りブレンド「夜長」のドリップバッグ。オフィスや旅先にも。1袋10g。', den: 'Our Yonaga dark blend in drip bags, for the office or travel. 10 g per bag.',
    variants: [
      { sku: 'DB-YNG-5', ja: '5袋入', en: '5 bags', price: 780, stock: 120, jan: withCheckDigit('458000010011') },
      { sku: 'DB-YNG-10', ja: '10袋入', en: '10 bags', price: 1480, stock: 60, jan: withCheckDigit('458000010012') },
    ],
  },
  {
    slug: 'drip-bag-ethiopia', category: 'drip-bags', tax: 'reduced',
    ja: 'ドリップバッグ エチオピア', en: 'Ethiopia drip bags',
    dja: '華やかなエチオピアを手軽に。ギフトの添え物にも人気です。1袋10g。', den: 'Floral Ethiopian coffee made easy; popular as a small extra with gifts. 10 g per bag.',
    variants: [
      { sku: 'DB-ETH-5', ja: '5袋入', en: '5 bags', price: 850, stock: 4 },
      { sku: 'DB-ETH-10', ja: '10袋入', en: '10 bags', price: 1600, stock: 2 },
    ],
  },
];
