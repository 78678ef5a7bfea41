/**
 * The footer of every mail (issue 17, T4: phishing mails asked FM Tokyo's customers to "pay again"). A customer can
 * check a mail against the list in their account, and every mail says what the shop never asks for. Bilingual:
 * the outbox does not know the reader's language, and both lines are short.
 */
export function mailFooter(opts: { listedInAccount: boolean; siteUrl: string }): string {
  const site = new URL(opts.siteUrl).host;
  const lines = ['――――――――'];
  if (opts.listedInAccount) {
    lines.push(`このメールは、${site} のマイページの「メール履歴」に表示されています。表示されていない場合、当店から送ったメールではありません。`);
  }
  lines.push(`当店がメールでカード番号やパスワードをお尋ねすることや、当店のサイト(${site})以外でのお支払いをお願いすることはありません。`);
  if (opts.listedInAccount) lines.push(`This mail is listed under "Mail from us" in your account at ${site}; if it is not there, it did not come from us.`);
  lines.push(`We never ask for a card number or a password by mail, nor for a payment anywhere but our own site (${site}).`);
  return `\n\n${lines.join('\n')}\n`;
}
