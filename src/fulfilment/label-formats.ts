import type { CsvValue } from '../exports/csv.ts';
import type { OrderView } from '../orders/model.ts';

export const labelFormats = ['yamato_b2', 'sagawa_ehiden', 'generic'] as const;
export type LabelFormat = (typeof labelFormats)[number];
export const isLabelFormat = (v: string): v is LabelFormat => (labelFormats as readonly string[]).includes(v);

/** The shop's contract numbers the carriers' formats carry (shipping_label_setting). */
export interface CarrierCodes {
  yamatoCustomerCode: string;
  yamatoFreightNumber: string;
  sagawaCustomerCode: string;
}

/** The sender (ご依頼主) as the shop settings hold it: one address string that starts with 〒 and the postal code. */
export interface Sender {
  name: string;
  phone: string;
  address: string;
}

/**
 * ヤマト運輸 B2クラウド「外部データから発行」の基本レイアウト (送り状発行データレイアウト 入出力用, columns 1-42; the
 * optional columns after 42 are left out, as B2 allows). Column order is the carrier's; do not reorder.
 */
export const yamatoColumns = [
  'お客様管理番号', '送り状種類', 'クール区分', '伝票番号', '出荷予定日', 'お届け予定日', '配達時間帯', 'お届け先コード',
  'お届け先電話番号', 'お届け先電話番号枝番', 'お届け先郵便番号', 'お届け先住所', 'お届け先アパートマンション名',
  'お届け先会社・部門１', 'お届け先会社・部門２', 'お届け先名', 'お届け先名(ｶﾅ)', '敬称', 'ご依頼主コード', 'ご依頼主電話番号',
  'ご依頼主電話番号枝番', 'ご依頼主郵便番号', 'ご依頼主住所', 'ご依頼主アパートマンション', 'ご依頼主名', 'ご依頼主名(ｶﾅ)',
  '品名コード１', '品名１', '品名コード２', '品名２', '荷扱い１', '荷扱い２', '記事', 'ｺﾚｸﾄ代金引換額（税込)', '内消費税額等',
  '止置き', '営業所コード', '発行枚数', '個数口表示フラグ', '請求先顧客コード', '請求先分類コード', '運賃管理番号',
] as const;

const zen = (n: number) => String(n).replace(/\d/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));

/** 佐川急便 e飛伝Ⅱ/Ⅲ の取込レイアウト (74 columns). Column order is the carrier's; do not reorder. */
export const sagawaColumns = [
  'お届け先コード取得区分', 'お届け先コード', 'お届け先電話番号', 'お届け先郵便番号', 'お届け先住所１', 'お届け先住所２', 'お届け先住所３',
  'お届け先名称１', 'お届け先名称２', 'お客様管理番号', 'お客様コード', '部署ご担当者コード取得区分', '部署ご担当者コード', '部署ご担当者名称',
  '荷送人電話番号', 'ご依頼主コード取得区分', 'ご依頼主コード', 'ご依頼主電話番号', 'ご依頼主郵便番号', 'ご依頼主住所１', 'ご依頼主住所２',
  'ご依頼主名称１', 'ご依頼主名称２', '荷姿', ...[1, 2, 3, 4, 5].map((n) => `品名${zen(n)}`), '荷札荷姿',
  ...Array.from({ length: 11 }, (_, i) => `荷札品名${zen(i + 1)}`),
  '出荷個数', 'スピード指定', 'クール便指定', '配達日', '配達指定時間帯', '配達指定時間（時分）', '代引金額', '消費税', '決済種別', '保険金額',
  '指定シール１', '指定シール２', '指定シール３', '営業所受取', 'SRC区分', '営業所受取営業所コード', '元着区分', 'メールアドレス', 'ご不在時連絡先',
  '出荷日', 'お問い合せ送り状No.', '出荷場印字区分', '集約解除指定', ...Array.from({ length: 10 }, (_, i) => `編集${zen(i + 1).padStart(2, '０')}`),
] as const;

/** Our own layout, for other carriers and spreadsheets (UTF-8 with the export's marking line). */
export const genericColumns = ['注文番号', '注文日', 'お届け先名', 'お届け先名カナ', '郵便番号', '都道府県', '市区町村', '番地', '建物名・部屋番号', '電話番号', '品名', '個数', '配送方法', '代引金額'] as const;

export function columnsOf(format: LabelFormat): readonly string[] {
  return format === 'yamato_b2' ? yamatoColumns : format === 'sagawa_ehiden' ? sagawaColumns : genericColumns;
}

/** 〒150-0001 東京都渋谷区… -> { postal: '150-0001', address: '東京都渋谷区…' } */
export function splitSender(address: string): { postal: string; address: string } {
  const m = /^\s*〒?\s*(\d{3})-?(\d{4})\s*(.*)$/s.exec(address.normalize('NFKC').replace(/\s+/g, ' '));
  return m ? { postal: `${m[1]}-${m[2]}`, address: m[3]!.trim() } : { postal: '', address: address.trim() };
}

/** The carrier's 品名 field: the first line's product and how many more (B2: 25 full-width characters). */
export function itemsSummary(order: Pick<OrderView, 'lines'>, max = 25): string {
  const first = order.lines[0];
  if (!first) return '';
  const rest = order.lines.length > 1 ? ` 他${order.lines.length - 1}点` : '';
  const name = first.productName;
  return [...name].length + rest.length > max ? `${[...name].slice(0, Math.max(1, max - rest.length - 1)).join('')}…${rest}` : `${name}${rest}`;
}

/** Splits text into pieces of at most `n` characters (e飛伝's address lines hold 16 full-width characters each). */
function chunks(text: string, n: number, count: number): string[] {
  const chars = [...text];
  return Array.from({ length: count }, (_, i) => (i === count - 1 ? chars.slice(i * n).join('') : chars.slice(i * n, (i + 1) * n).join('')));
}

/** Cash on delivery: the amount the driver collects and the consumption tax in it. */
function codAmounts(order: OrderView, cod: boolean): { amount: CsvValue; tax: CsvValue } {
  return cod ? { amount: order.total, tax: order.tax10 + order.tax8 } : { amount: '', tax: '' };
}

/** yyyy/mm/dd in Japan time. */
export function jstDate(d: Date, sep = '/'): string {
  const j = new Date(d.getTime() + 9 * 3600_000);
  return [j.getUTCFullYear(), String(j.getUTCMonth() + 1).padStart(2, '0'), String(j.getUTCDate()).padStart(2, '0')].join(sep);
}

export function labelRow(format: LabelFormat, order: OrderView, p: { cod: boolean; sender: Sender; codes: CarrierCodes; shipDate: Date }): CsvValue[] {
  const a = order.shipping;
  const from = splitSender(p.sender.address);
  const cod = codAmounts(order, p.cod);
  const items = itemsSummary(order);
  const count = order.lines.reduce((n, x) => n + x.quantity, 0);
  if (format === 'yamato_b2') {
    const row: CsvValue[] = new Array(yamatoColumns.length).fill('');
    const set = (col: (typeof yamatoColumns)[number], v: CsvValue) => (row[yamatoColumns.indexOf(col)] = v);
    set('お客様管理番号', order.number);
    set('送り状種類', p.cod ? '2' : '0'); // 0 発払い, 2 コレクト (代金引換)
    set('クール区分', '0');
    set('出荷予定日', jstDate(p.shipDate));
    set('お届け先電話番号', a.phone);
    set('お届け先郵便番号', a.postal_code);
    set('お届け先住所', `${a.prefecture}${a.city}${a.line1}`);
    set('お届け先アパートマンション名', a.line2);
    set('お届け先名', a.name);
    set('敬称', '様');
    set('ご依頼主電話番号', p.sender.phone);
    set('ご依頼主郵便番号', from.postal);
    set('ご依頼主住所', from.address);
    set('ご依頼主名', p.sender.name);
    set('品名１', items);
    set('ｺﾚｸﾄ代金引換額（税込)', cod.amount);
    set('内消費税額等', cod.tax);
    set('請求先顧客コード', p.codes.yamatoCustomerCode);
    set('運賃管理番号', p.codes.yamatoFreightNumber);
    return row;
  }
  if (format === 'sagawa_ehiden') {
    const row: CsvValue[] = new Array(sagawaColumns.length).fill('');
    const set = (col: (typeof sagawaColumns)[number], v: CsvValue) => (row[sagawaColumns.indexOf(col)] = v);
    const [a1, a2] = chunks(`${a.prefecture}${a.city}${a.line1}`, 16, 2);
    const [s1, s2] = chunks(from.address, 16, 2);
    set('お届け先電話番号', a.phone);
    set('お届け先郵便番号', a.postal_code);
    set('お届け先住所１', a1);
    set('お届け先住所２', a2);
    set('お届け先住所３', a.line2);
    set('お届け先名称１', a.name);
    set('お客様管理番号', order.number);
    set('お客様コード', p.codes.sagawaCustomerCode);
    set('ご依頼主電話番号', p.sender.phone);
    set('ご依頼主郵便番号', from.postal);
    set('ご依頼主住所１', s1);
    set('ご依頼主住所２', s2);
    set('ご依頼主名称１', p.sender.name);
    set('品名１', items);
    set('出荷個数', 1);
    set('代引金額', cod.amount);
    set('消費税', cod.tax);
    set('出荷日', jstDate(p.shipDate, ''));
    return row;
  }
  return [order.number, order.placedAt, a.name, a.name_kana, a.postal_code, a.prefecture, a.city, a.line1, a.line2, a.phone, items, count, order.shippingMethod, cod.amount];
}
