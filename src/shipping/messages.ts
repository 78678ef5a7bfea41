import { defineMessages } from '../platform/i18n/index.ts';

export const t = defineMessages({
  ja: {
    standardLabel: '宅配便（通常配送）',
    standardDescription: '送料は地域・荷物のサイズにより{min}〜{max}です。',
    freeOver: '{threshold}以上のお買い上げで送料無料。',
  },
  en: {
    standardLabel: 'Home delivery (standard)',
    standardDescription: 'Shipping is {min} to {max} depending on the region and parcel size.',
    freeOver: 'Free shipping on orders of {threshold} or more.',
  },
});
