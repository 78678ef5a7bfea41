import type { IncidentKind } from './tables.ts';

const dayMs = 86_400_000;

/** APPI rule 7 (個人情報保護法施行規則7条): when a report to the PPC and notice to each person are required. */
export interface AppiTriggers {
  sensitive: boolean;
  financialHarm: boolean;
  wrongfulPurpose: boolean;
  overThousand: boolean;
  /** Strongly encrypted data whose keys were not exposed is exempt; skimmed input never was encrypted. */
  encryptionExempt: boolean;
  reportRequired: boolean;
}

export function appiTriggers(input: { kind: IncidentKind; malicious: boolean; keysExposed: boolean; people: number; cardPeople: number }): AppiTriggers {
  const financialHarm = input.cardPeople > 0;
  const wrongfulPurpose = input.malicious;
  const overThousand = input.people > 1000;
  // Data at rest is vault-encrypted (AES-256-GCM); only a leak of the stored data without its keys is exempt.
  const encryptionExempt = input.kind === 'data_leak' && !input.keysExposed;
  const reportRequired = !encryptionExempt && (financialHarm || wrongfulPurpose || overThousand);
  return { sensitive: false, financialHarm, wrongfulPurpose, overThousand, encryptionExempt, reportRequired };
}

/** Deadlines counted from when the shop knew: 速報 "promptly" (about 3-5 days), 確報 30 days, 60 days if malicious. */
export function ppcDeadlines(knownAt: Date, malicious: boolean): { preliminaryFrom: Date; preliminaryBy: Date; finalBy: Date; finalDays: 30 | 60 } {
  const finalDays = malicious ? 60 : 30;
  return { preliminaryFrom: new Date(knownAt.getTime() + 3 * dayMs), preliminaryBy: new Date(knownAt.getTime() + 5 * dayMs), finalBy: new Date(knownAt.getTime() + finalDays * dayMs), finalDays };
}
