/**
 * Partial masking of personal data in staff lists: enough to tell customers apart, too little to
 * harvest (T4: a misused staff account cannot copy the customer list wholesale).
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${[...email.slice(0, at)][0]}***${email.slice(at)}`;
}

/** 09012341234 → 090-****-1234; keeps only the last four digits. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 8) return digits ? '****' : '';
  return `${digits.slice(0, 3)}-****-${digits.slice(-4)}`;
}

/** 090-1234-5678 style for display of a stored digits-only number. */
export function formatPhone(phone: string): string {
  const d = phone.replace(/\D/g, '');
  if (d.length === 11) return `${d.slice(0, 3)}-${d.slice(3, 7)}-${d.slice(7)}`;
  if (d.length === 10) return d.startsWith('03') || d.startsWith('06') ? `${d.slice(0, 2)}-${d.slice(2, 6)}-${d.slice(6)}` : `${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6)}`;
  return phone;
}
