import type { Locale } from '../platform/i18n/index.ts';
import { timeSlotIds, type TimeSlotId } from './shipping-config.ts';

/** The carriers' standard delivery time slots (時間帯指定), as shoppers and packers read them. */
const labels: Record<TimeSlotId, { ja: string; en: string }> = {
  am: { ja: '午前中', en: 'Morning (8-12)' },
  '12-14': { ja: '12時〜14時', en: '12:00-14:00' },
  '14-16': { ja: '14時〜16時', en: '14:00-16:00' },
  '16-18': { ja: '16時〜18時', en: '16:00-18:00' },
  '18-20': { ja: '18時〜20時', en: '18:00-20:00' },
  '19-21': { ja: '19時〜21時', en: '19:00-21:00' },
};

export const isTimeSlot = (v: string): v is TimeSlotId => (timeSlotIds as readonly string[]).includes(v);

export function timeSlotLabel(id: string, locale: Locale): string {
  return isTimeSlot(id) ? labels[id][locale === 'en' ? 'en' : 'ja'] : id;
}

/** Shown when the shopper leaves the slot open. */
export const noSlotLabel = (locale: Locale) => (locale === 'en' ? 'No preference' : '指定なし');
