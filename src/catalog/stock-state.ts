import type { StockState } from './service.ts';

/** At or below this many units a variant shows "在庫わずか" and appears in the admin low-stock filter. */
export const lowStockThreshold = 5;

export function stockState(stock: number): StockState {
  if (stock <= 0) return 'sold_out';
  return stock <= lowStockThreshold ? 'low' : 'in_stock';
}

export const taxRateOf = (taxClass: 'standard' | 'reduced'): 8 | 10 => (taxClass === 'reduced' ? 8 : 10);
