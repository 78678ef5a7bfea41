import type { SecurityEventKind } from '../platform/security/event-stream.ts';

/** Which audited staff actions are also security events (detectors watch bursts of them). */
export function staffActionEventKind(action: string): SecurityEventKind | null {
  if (action.startsWith('script.')) return 'script_inventory.changed';
  if (action.startsWith('export.')) return 'export.created';
  if (action === 'personal_data.view_unmasked') return 'pii.reveal';
  if (action.startsWith('settings.') || action.startsWith('permission.') || action === 'role_changed' || action.startsWith('payment')) return 'settings.changed';
  return null;
}
