import { carrierLabel, trackingUrl } from '../../shipping/carriers.ts';
import { html, type SafeHtml } from '../../platform/http/html.ts';
import { formatDateTime, formatYen } from '../../platform/i18n/index.ts';
import type { MailMessage } from '../../platform/mail/mailer.ts';
import type { ShopSettings } from '../../settings/settings.ts';
import { t } from '../messages.ts';
import type { OrderView } from '../model.ts';
import type { PaymentInstructions } from '../payment-methods/method.ts';
import { instructionsText } from '../payment-methods/registry.ts';
import { confirmedOnPayment, paymentLabel, pendingInstructions } from '../method-views.ts';
import { addressLines, taxRows } from '../views/order-parts.ts';

export type StatusMailKind = 'shipped' | 'cancelled' | 'refunded';

/** Mails are written in the order's language, as plain text with an HTML alternative (escaped by `html`). */
export function confirmationMail(order: OrderView, shop: ShopSettings, publicUrl: string): MailMessage {
  const l = order.locale;
  const intro = t(l, 'mailConfirmIntro', { shop: shop.name });
  const method = paymentLabel(order.paymentMethod, l);
  const pending = pendingInstructions(order, shop, l);
  const paidOnline = confirmedOnPayment(order.paymentMethod) && order.paidAt !== null;
  const payText = [`■ ${t(l, 'paymentMethod')}: ${method}`, ...(paidOnline ? [t(l, 'mailCardPaidNote')] : []), ...(pending ? ['', instructionsText(pending)] : [])];
  return {
    kind: 'order.confirmation',
    to: order.email,
    subject: t(l, 'mailConfirmSubject', { shop: shop.name, number: order.number }),
    text: textMail(order, shop, publicUrl, [intro], payText, true),
    html: htmlMail(order, shop, publicUrl, html`<p>${intro}</p>`, html`<h2>${t(l, 'paymentMethod')}</h2><p><strong>${method}</strong>${paidOnline ? html`<br>${t(l, 'mailCardPaidNote')}` : ''}</p>${pending ? instructionsMailHtml(pending) : ''}`, true),
  };
}

/** Bank transfer: the money arrived (staff recorded it). */
export function paymentReceivedMail(order: OrderView, shop: ShopSettings, publicUrl: string): MailMessage {
  const l = order.locale;
  const intro = t(l, 'mailPaidIntro', { amount: formatYen(order.total, l) });
  return {
    kind: 'order.payment_received',
    to: order.email,
    subject: t(l, 'mailPaidSubject', { shop: shop.name, number: order.number }),
    text: textMail(order, shop, publicUrl, [intro], [], false),
    html: htmlMail(order, shop, publicUrl, html`<p>${intro}</p>`, html``, false),
  };
}

/**
 * To the shop's own address: a new order to prepare. T4: the number, amount, method and lines, no address or
 * contact details (those stay behind the console's sign-in).
 */
export function newOrderNoticeMail(order: OrderView, shop: ShopSettings, publicUrl: string): MailMessage {
  const l = 'ja';
  const url = `${publicUrl}/admin/orders/${order.id}`;
  const lines = order.lines.map((x) => `${x.productName}${x.variantName ? ` ${x.variantName}` : ''} × ${x.quantity}`);
  const facts = [`${t(l, 'orderNumber')}: ${order.number}`, `${t(l, 'placedAt')}: ${formatDateTime(order.placedAt, l)}`, `${t(l, 'paymentMethod')}: ${paymentLabel(order.paymentMethod, l)}`, `${t(l, 'total')}: ${formatYen(order.total, l)}`];
  return {
    kind: 'order.new_order_notice',
    to: shop.email,
    subject: t(l, 'mailShopNewSubject', { shop: shop.name, number: order.number }),
    text: [t(l, 'mailShopNewBody'), '', ...facts, '', ...lines, '', url].join('\n') + '\n',
    html: String(html`<!doctype html><html lang="ja"><head><meta charset="utf-8"></head><body style="font-family:sans-serif;line-height:1.7"><p>${t(l, 'mailShopNewBody')}</p><p>${facts.map((f, i) => html`${i ? html`<br>` : ''}${f}`)}</p><ul>${lines.map((x) => html`<li>${x}</li>`)}</ul><p><a href="${url}">${url}</a></p></body></html>`),
  };
}

export function statusMail(kind: StatusMailKind, order: OrderView, shop: ShopSettings, publicUrl: string): MailMessage {
  const l = order.locale;
  const subjectKey = kind === 'shipped' ? 'mailShippedSubject' : kind === 'cancelled' ? 'mailCancelledSubject' : 'mailRefundedSubject';
  const intro = kind === 'shipped' ? t(l, 'mailShippedIntro') : kind === 'cancelled' ? t(l, 'mailCancelledIntro') : t(l, 'mailRefundedIntro', { amount: formatYen(order.total, l) });
  const extra: string[] = [];
  if (kind === 'shipped' && order.trackingNumber) {
    const link = trackingUrl(order.carrier, order.trackingNumber);
    const carrier = carrierLabel(order.carrier, l);
    extra.push(`${t(l, 'trackingNumber')}: ${carrier ? `${carrier} ` : ''}${order.trackingNumber}${link ? `\n${t(l, 'trackingLink')}: ${link}` : ''}`);
  }
  const pending = kind === 'shipped' ? pendingInstructions(order, shop, l) : null;
  if (pending) extra.push(instructionsText(pending));
  return {
    kind: `order.${kind}`,
    to: order.email,
    subject: t(l, subjectKey, { shop: shop.name, number: order.number }),
    text: textMail(order, shop, publicUrl, [intro, ...extra], [], kind === 'shipped'),
    html: htmlMail(order, shop, publicUrl, html`<p>${intro}</p>${extra.map((e) => html`<p>${e.split('\n').map((line, i) => html`${i ? html`<br>` : ''}${line}`)}</p>`)}`, html``, kind === 'shipped'),
  };
}

function textMail(order: OrderView, shop: ShopSettings, publicUrl: string, intro: Array<string | null>, payment: Array<string | null>, withAddress: boolean): string {
  const l = order.locale;
  const reduced = order.lines.some((x) => x.taxRate === 8);
  const out: Array<string | null> = [
    t(l, 'honorific', { name: order.shipping.name }),
    '',
    ...intro,
    '',
    `■ ${t(l, 'orderNumber')}: ${order.number}`,
    `■ ${t(l, 'placedAt')}: ${formatDateTime(order.placedAt, l)}`,
    '',
    `■ ${t(l, 'product')}`,
    ...order.lines.map((x) => `${x.productName}${x.variantName ? ` ${x.variantName}` : ''}${x.taxRate === 8 ? ' ※' : ''}\n  ${formatYen(x.unitPrice, l)} × ${x.quantity} = ${formatYen(x.lineTotal, l)}`),
    reduced ? t(l, 'reducedLegend') : null,
    '',
    `${t(l, 'itemsTotal')}: ${formatYen(order.itemsTotal, l)}`,
    (order.discount10 ?? 0) + (order.discount8 ?? 0) > 0 ? `${t(l, 'discount')}: −${formatYen((order.discount10 ?? 0) + (order.discount8 ?? 0), l)}` : null,
    `${t(l, 'shippingFee')}: ${formatYen(order.shippingFee, l)}`,
    order.paymentFee > 0 ? `${t(l, 'paymentFee')}: ${formatYen(order.paymentFee, l)}` : null,
    `${t(l, 'total')}: ${formatYen(order.total, l)}`,
    ...taxRows(order).map((r) => `${t(l, 'taxTarget', { rate: r.rate })} ${t(l, 'taxAmount', { amount: formatYen(r.taxable, l), tax: formatYen(r.tax, l) })}`),
    '',
    ...(withAddress ? [`■ ${t(l, 'shipTo')}`, ...addressLines(order.shipping, l), ''] : []),
    ...(payment.length ? [...payment, ''] : []),
    t(l, 'mailViewOrder'),
    `${publicUrl}/orders/${order.number}`,
    '',
    '――――――――――――――――',
    `${t(l, 'seller')}: ${shop.seller}`,
    order.invoiceNumber ? `${t(l, 'invoiceNumber')}: ${order.invoiceNumber}` : null,
    shop.address,
    `${t(l, 'phone')}: ${shop.phone}`,
    t(l, 'mailContact', { email: shop.email }),
    t(l, 'mailNoCardRequest'),
  ];
  return out.filter((x) => x !== null).join('\n') + '\n';
}

function htmlMail(order: OrderView, shop: ShopSettings, publicUrl: string, intro: SafeHtml, payment: SafeHtml, withAddress: boolean): string {
  const l = order.locale;
  const cell = 'padding:4px 8px;border-bottom:1px solid #e6ddd3';
  const reduced = order.lines.some((x) => x.taxRate === 8);
  return String(html`<!doctype html><html lang="${l}"><head><meta charset="utf-8"></head>
<body style="font-family:sans-serif;color:#2b2118;line-height:1.7">
<p>${t(l, 'honorific', { name: order.shipping.name })}</p>
${intro}
<p>${t(l, 'orderNumber')}: <strong>${order.number}</strong><br>${t(l, 'placedAt')}: ${formatDateTime(order.placedAt, l)}</p>
<table style="border-collapse:collapse" role="presentation">
${order.lines.map((x) => html`<tr><td style="${cell}">${x.productName} ${x.variantName}${x.taxRate === 8 ? ' ※' : ''}</td><td style="${cell};text-align:right">${formatYen(x.unitPrice, l)} × ${x.quantity}</td><td style="${cell};text-align:right">${formatYen(x.lineTotal, l)}</td></tr>`)}
<tr><td style="${cell}" colspan="2">${t(l, 'itemsTotal')}</td><td style="${cell};text-align:right">${formatYen(order.itemsTotal, l)}</td></tr>
${(order.discount10 ?? 0) + (order.discount8 ?? 0) > 0 ? html`<tr><td style="${cell}" colspan="2">${t(l, 'discount')}</td><td style="${cell};text-align:right">−${formatYen((order.discount10 ?? 0) + (order.discount8 ?? 0), l)}</td></tr>` : ''}
<tr><td style="${cell}" colspan="2">${t(l, 'shippingFee')}</td><td style="${cell};text-align:right">${formatYen(order.shippingFee, l)}</td></tr>
${order.paymentFee > 0 ? html`<tr><td style="${cell}" colspan="2">${t(l, 'paymentFee')}</td><td style="${cell};text-align:right">${formatYen(order.paymentFee, l)}</td></tr>` : ''}
<tr><th style="${cell};text-align:left" colspan="2">${t(l, 'total')}</th><th style="${cell};text-align:right">${formatYen(order.total, l)}</th></tr>
${taxRows(order).map((r) => html`<tr><td style="${cell}" colspan="2">${t(l, 'taxTarget', { rate: r.rate })}</td><td style="${cell};text-align:right">${t(l, 'taxAmount', { amount: formatYen(r.taxable, l), tax: formatYen(r.tax, l) })}</td></tr>`)}
</table>
${reduced ? html`<p style="font-size:13px">${t(l, 'reducedLegend')}</p>` : ''}
${withAddress ? html`<h2>${t(l, 'shipTo')}</h2><p>${addressLines(order.shipping, l).map((line, i) => html`${i ? html`<br>` : ''}${line}`)}</p>` : ''}
${payment}
<p>${t(l, 'mailViewOrder')}<br><a href="${publicUrl}/orders/${order.number}">${publicUrl}/orders/${order.number}</a></p>
<hr>
<p style="font-size:13px">${t(l, 'seller')}: ${shop.seller}${order.invoiceNumber ? html`<br>${t(l, 'invoiceNumber')}: ${order.invoiceNumber}` : ''}<br>${shop.address}<br>${t(l, 'phone')}: ${shop.phone}<br>${t(l, 'mailContact', { email: shop.email })}<br>${t(l, 'mailNoCardRequest')}</p>
</body></html>`);
}

function instructionsMailHtml(p: PaymentInstructions): SafeHtml {
  return html`<h3>${p.title}</h3><p>${p.details.map((d, i) => html`${i ? html`<br>` : ''}${d.label}: <strong>${d.value}</strong>`)}</p>${p.notes.map((n) => html`<p style="font-size:13px">${n}</p>`)}`;
}
