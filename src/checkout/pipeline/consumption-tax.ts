import { feeTaxRate, invoiceTax } from '../../tax/consumption-tax.ts';
import type { PurchaseProcessor } from './context.ts';

/** Tax per rate over the whole order, fees included at 10%, rounded once per rate. */
export const consumptionTax: PurchaseProcessor = (ctx) => {
  ctx.tax = invoiceTax(
    [
      ...ctx.lines.map((l) => ({ rate: l.taxRate, amount: l.lineTotal })),
      { rate: feeTaxRate, amount: ctx.shippingFee },
      { rate: feeTaxRate, amount: ctx.paymentFee },
    ],
    ctx.settings.tax_rounding,
  );
};
