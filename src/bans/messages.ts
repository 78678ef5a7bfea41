import { defineMessages } from '../platform/i18n/index.ts';

export const t = defineMessages({
  ja: {
    title: 'アクセスが制限されています',
    body: 'このネットワークからのアクセスは、不正なアクセスの疑いにより一時的に制限されています。',
    until: '制限は {until} (UTC) に自動的に解除されます。',
    contact: 'お心当たりのない場合は、お手数ですがショップまで次の参照番号をお知らせください。',
    reference: '参照番号',
    contactTo: '{shop} へのお問い合わせ先:',
    email: 'メール',
    phone: '電話',
  },
  en: {
    title: 'Access restricted',
    body: 'Access from this network is temporarily restricted because of suspicious activity.',
    until: 'The restriction ends automatically at {until} (UTC).',
    contact: 'If you think this is a mistake, please contact the shop and quote this reference.',
    reference: 'Reference',
    contactTo: 'How to reach {shop}:',
    email: 'E-mail',
    phone: 'Phone',
  },
});
