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

/** 山田 太郎 → 山田 *; a name without a space keeps its first character (T4: enough to tell people apart). */
export function maskName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed) return '';
  const parts = trimmed.split(/[\s\u3000]+/);
  if (parts.length > 1) return `${parts[0]} *`;
  return `${[...trimmed][0]} *`;
}

export interface MaskableAddress {
  postal_code: string;
  prefecture: string;
  city: string;
  line1: string;
  line2?: string | null;
  name: string;
  name_kana?: string | null;
  phone: string;
}

/** The town stays readable (enough for shipping questions); street, building, name and phone are hidden. */
export function maskAddress<A extends MaskableAddress>(a: A): A {
  const kana = a.name_kana ? { name_kana: maskName(a.name_kana) } : {};
  return { ...a, ...kana, postal_code: `${a.postal_code.replace(/\D/g, '').slice(0, 3)}-****`, line1: '***', line2: '', name: maskName(a.name), phone: maskPhone(a.phone) };
}
