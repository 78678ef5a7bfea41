import { defineMessages } from '../i18n/index.ts';

export const t = defineMessages({
  ja: {
    maskedNote: '個人情報保護のため、氏名・連絡先・住所は一部を伏せて表示しています。',
    revealButton: '詳細をすべて表示',
    revealHint: 'この1件の個人情報を、この画面に限り伏せずに表示します。表示した担当者・日時・項目は監査ログに記録されます。',
    revealedNote: 'この画面に限り、個人情報を伏せずに表示しています（監査ログに記録済み）。再読み込みや移動をすると再び伏せて表示されます。',
  },
  en: {
    maskedNote: 'Names, contact details and addresses are partly hidden to protect personal data.',
    revealButton: 'Show full details',
    revealHint: 'Shows this one record’s personal data in full, on this page only. Who, when and which fields are recorded in the audit trail.',
    revealedNote: 'Personal data is shown in full on this page only (recorded in the audit trail). Reloading or leaving the page hides it again.',
  },
});
