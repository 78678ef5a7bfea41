/** The range of standard shipping fees, for the legal notice. Kept in step with src/shipping by a test. */
export function shippingFeeRange(): { min: number; max: number } {
  return { min: 800, max: 1800 };
}
