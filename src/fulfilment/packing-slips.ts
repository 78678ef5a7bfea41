import { PDFDocument, rgb, type PDFPage } from 'pdf-lib';
import { JapaneseText } from '../incidents/pdf-text.ts';
import type { OrderView } from '../orders/model.ts';
import { formatYen, type Locale } from '../platform/i18n/index.ts';
import { jstDate } from './label-formats.ts';
import { m } from './messages.ts';

const mm = 72 / 25.4;
const a4 = { w: 210 * mm, h: 297 * mm };
const left = 15 * mm;
const right = a4.w - 15 * mm;

export interface SlipShop {
  name: string;
  seller: string;
  address: string;
  phone: string;
  invoiceNumber: string | null;
}

/**
 * 納品書 for many orders as one PDF (A4, one order a page; an order with many lines continues on the next page):
 * ship-to, the shop as sender, the lines with 軽減税率 marked, totals with tax per rate, and the customer's 備考 (the
 * packer works from it). Japanese text in the font shipped as a dependency (incidents/pdf-text.ts).
 */
export async function packingSlipsPdf(orders: OrderView[], shop: SlipShop, l: Locale = 'ja'): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(`${shop.name} ${m(l, 'slipTitle')}`);
  doc.setCreator('omamori');
  const text = new JapaneseText(doc);
  const yen = (n: number) => formatYen(n, l);
  for (const order of orders) {
    let page = doc.addPage([a4.w, a4.h]);
    let y = a4.h - 20 * mm;
    await text.draw(page, m(l, 'slipTitle'), left, y, 18);
    await text.draw(page, `${m(l, 'slipOrderNumber')}: ${order.number}`, right - 70 * mm, y + 2 * mm, 10);
    await text.draw(page, `${m(l, 'slipOrderDate')}: ${jstDate(order.placedAt)}`, right - 70 * mm, y - 4 * mm, 10);
    y -= 16 * mm;
    const a = order.shipping;
    await text.draw(page, m(l, 'slipShipTo'), left, y, 9);
    await text.draw(page, m(l, 'slipFrom'), a4.w / 2 + 5 * mm, y, 9);
    y -= 6 * mm;
    const to = [`〒${a.postal_code}`, `${a.prefecture}${a.city}${a.line1}`, ...(a.line2 ? [a.line2] : []), `${a.name} 様`, a.phone];
    const from = [shop.name, shop.seller, shop.address, shop.phone, ...(shop.invoiceNumber ? [`登録番号 ${shop.invoiceNumber}`] : [])];
    let ty = y;
    for (const line of to) ty = await text.paragraph(page, line, left, ty, line === `${a.name} 様` ? 13 : 10, a4.w / 2 - left - 5 * mm, 1.5);
    let fy = y;
    for (const line of from) fy = await text.paragraph(page, line, a4.w / 2 + 5 * mm, fy, 9, right - a4.w / 2 - 5 * mm, 1.5);
    y = Math.min(ty, fy) - 4 * mm;
    await text.draw(page, m(l, 'slipThanks'), left, y, 10);
    y -= 10 * mm;
    const cols = { item: left, qty: right - 75 * mm, unit: right - 55 * mm, amount: right - 25 * mm };
    const header = async (p: PDFPage, at: number) => {
      p.drawRectangle({ x: left - 2, y: at - 3, width: right - left + 4, height: 14, color: rgb(0.92, 0.92, 0.92) });
      await text.draw(p, m(l, 'slipItem'), cols.item, at, 9);
      await text.draw(p, m(l, 'slipQty'), cols.qty, at, 9);
      await text.draw(p, m(l, 'slipUnit'), cols.unit, at, 9);
      await text.draw(p, m(l, 'slipAmount'), cols.amount, at, 9);
    };
    await header(page, y);
    y -= 7 * mm;
    for (const x of order.lines) {
      if (y < 45 * mm) {
        page = doc.addPage([a4.w, a4.h]);
        y = a4.h - 20 * mm;
        await text.draw(page, `${m(l, 'slipTitle')} ${order.number}`, left, y, 10);
        y -= 10 * mm;
        await header(page, y);
        y -= 7 * mm;
      }
      const name = `${x.taxRate === 8 ? '※ ' : ''}${x.productName}${x.variantName ? ` ${x.variantName}` : ''}`;
      const next = await text.paragraph(page, name, cols.item, y, 9.5, cols.qty - cols.item - 4 * mm, 1.4);
      await text.draw(page, String(x.quantity), cols.qty + 4 * mm, y, 9.5);
      await text.draw(page, yen(x.unitPrice), cols.unit, y, 9.5);
      await text.draw(page, yen(x.lineTotal), cols.amount, y, 9.5);
      await text.draw(page, `SKU ${x.sku}`, cols.item, next + 1, 7);
      y = next - 4 * mm;
    }
    page.drawLine({ start: { x: left, y: y + 3 * mm }, end: { x: right, y: y + 3 * mm }, thickness: 0.5, color: rgb(0.6, 0.6, 0.6) });
    const sums: Array<[string, string]> = [[m(l, 'slipShipping'), yen(order.shippingFee)], ...(order.paymentFee ? [[m(l, 'slipFee'), yen(order.paymentFee)] as [string, string]] : []), [m(l, 'slipTotal'), yen(order.total)]];
    for (const [label, value] of sums) {
      await text.draw(page, label, cols.unit - 10 * mm, y, 10);
      await text.draw(page, value, cols.amount, y, 10);
      y -= 6 * mm;
    }
    if (order.taxable10) { await text.draw(page, m(l, 'slipTax10', { base: yen(order.taxable10), tax: yen(order.tax10) }), cols.unit - 40 * mm, y, 8.5); y -= 5 * mm; }
    if (order.taxable8) { await text.draw(page, m(l, 'slipTax8', { base: yen(order.taxable8), tax: yen(order.tax8) }), cols.unit - 40 * mm, y, 8.5); y -= 5 * mm; }
    if (order.lines.some((x) => x.taxRate === 8)) { await text.draw(page, m(l, 'slipReduced'), left, y, 8.5); y -= 6 * mm; }
    if (order.note) {
      y -= 2 * mm;
      await text.draw(page, m(l, 'slipNote'), left, y, 9);
      await text.paragraph(page, order.note, left, y - 5 * mm, 9.5, right - left, 1.5);
    }
  }
  if (doc.getPageCount() === 0) doc.addPage([a4.w, a4.h]);
  return doc.save();
}
