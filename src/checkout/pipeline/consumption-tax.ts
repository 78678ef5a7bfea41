import { feeTaxRate, invoiceTax } from '../../tax/consumption-tax.ts';
import type { PurchaseProcessor } from './context.ts';

/** Tax per rate over the whole order, after the coupon discount of that rate, fees included at 10%, rounded once per rate. */
export const consumptionTax: PurchaseProcessor = (ctx) => {
  const goods = (rate: 8 | 10) => ctx.lines.filter((l) => l.taxRate === rate).reduce((s, l) => s + l.lineTotal, 0);
  ctx.tax = invoiceTax(
    [
      { rate: 10, amount: goods(10) - ctx.discount10 },
      { rate: 8, amount: goods(8) - ctx.discount8 },
      { rate: feeTaxRate, amount: ctx.shippingFee },
      { rate: feeTaxRate, amount: ctx.paymentFee },
    ],
    ctx.settings.tax_rounding,
  );
};
