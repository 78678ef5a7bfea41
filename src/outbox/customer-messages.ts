import { defineMessages } from '../platform/i18n/index.ts';

/** The customer's own list of the shop's mails (issue 17). */
export const tc = defineMessages({
  ja: {
    title: 'メール履歴',
    intro: '当店からこのアカウントのメールアドレスに送ったメールは、すべてここに表示されます。ここにないメールは当店からのものではありません。当店がメールでカード番号やパスワードをお尋ねすることや、当店のサイト以外でのお支払いをお願いすることはありません。',
    empty: 'まだメールはありません。',
    date: '日時',
    subject: '件名',
    kind: '種類',
    back: 'メール履歴に戻る',
    accountLink: 'メール履歴(当店から届いたメールの確認)',
    accountPage: 'マイページに戻る',
  },
  en: {
    title: 'Mail from us',
    intro: 'Every mail we sent to this account’s address is listed here. A mail that is not listed did not come from us. We never ask for a card number or a password by mail, nor for a payment anywhere but our own site.',
    empty: 'No mail yet.',
    date: 'Date',
    subject: 'Subject',
    kind: 'Kind',
    back: 'Back to mail from us',
    accountLink: 'Mail from us (check a mail is really ours)',
    accountPage: 'Back to my account',
  },
});
