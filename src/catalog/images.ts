import { assetUrl } from '../platform/http/assets.ts';

/** Matches the check constraint on product_image.file_name: only names we generated are ever served. */
export const storedImageName = /^[a-f0-9]{32}\.(jpg|png|webp)$/;

export type ImageType = 'image/jpeg' | 'image/png' | 'image/webp';
export const extensionOf: Record<ImageType, string> = { 'image/jpeg': '.jpg', 'image/png': '.png', 'image/webp': '.webp' };

/**
 * Identifies an image by its leading bytes. The client's content type and file name are ignored,
 * so an HTML page or a PHP script named photo.png is refused (T3).
 */
export function sniffImageType(bytes: Buffer): ImageType | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return null;
}

const placeholders: Array<[RegExp, string]> = [
  [/drip-?bag|drip-?pack/, 'drip-bag'],
  [/dripper|tool|kettle|grinder|equipment/, 'dripper'],
  [/mug|cup/, 'mug'],
  [/tea|cha/, 'tea'],
  [/gift|set/, 'gift'],
  [/bean|coffee|roast|blend/, 'beans'],
];

/** A drawn illustration for products without a photo, chosen by the category's slug. */
export function placeholderUrl(categorySlug: string | null | undefined): string {
  const hit = categorySlug ? placeholders.find(([re]) => re.test(categorySlug)) : undefined;
  return assetUrl(`img/placeholder-${hit ? hit[1] : 'generic'}.svg`);
}

export function imageUrl(fileName: string | null | undefined, categorySlug: string | null | undefined): string {
  return fileName ? mediaUrl(fileName) : placeholderUrl(categorySlug);
}

export const mediaUrl = (fileName: string) => `/media/${fileName}`;
