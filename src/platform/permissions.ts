/**
 * Staff roles and what each may do (T4). Platform code: the request type (`req.staff`), the console frame, the
 * alert banner and every domain's admin routes check it; identity's staff accounts store the role (issue 11: moved
 * down from identity/ so that nothing below identity imports it upward).
 */
export type StaffRole = 'owner' | 'administrator' | 'order_operator' | 'customer_support' | 'content_editor' | 'incident';

/** Every staff permission. A typo in a route's `config.permission` fails to compile. */
export const permissions = [
  'dashboard.view',
  'catalog.read',
  'catalog.write',
  'orders.read',
  'orders.write',
  'customers.read',
  // T4: may reveal ONE record's personal data (an audited POST); every admin page is masked by default.
  'customers.read_unmasked',
  // T4: guarded bulk export of customers/orders (step-up, caps, owner mails); approving an over-cap request.
  'exports.create',
  'exports.approve',
  'staff.manage',
  'settings.manage',
  'mail.read',
  // Owner only (T2/T4): revoke every session, force password resets.
  'security.emergency',
  // File-integrity findings and CSP reports (T1/T3/T6).
  'security.read',
  // The tamper-evident audit trail (PCI DSS 10): owners only.
  'audit.read',
  // Issue 13: the incident console. Read the case; write notes (an outside investigator); declare, contain, notify (owners).
  'incidents.read',
  'incidents.note',
  'incidents.manage',
] as const;
export type Permission = (typeof permissions)[number];

/** Least privilege: each role gets only what its work needs (T4). Owners have every permission. */
export const rolePermissions: Record<StaffRole, ReadonlySet<Permission>> = {
  owner: new Set(permissions),
  administrator: new Set<Permission>(['dashboard.view', 'catalog.read', 'catalog.write', 'orders.read', 'orders.write', 'customers.read', 'customers.read_unmasked', 'exports.create', 'mail.read', 'settings.manage', 'security.read']),
  order_operator: new Set<Permission>(['dashboard.view', 'catalog.read', 'orders.read', 'orders.write', 'customers.read']),
  customer_support: new Set<Permission>(['dashboard.view', 'orders.read', 'customers.read', 'mail.read']),
  content_editor: new Set<Permission>(['dashboard.view', 'catalog.read', 'catalog.write']),
  // T4: an outside investigator sees the case and writes notes; nothing else (no customer pages, no exports).
  incident: new Set<Permission>(['incidents.read', 'incidents.note']),
};

/** Where a role without the overview lands when it opens /admin, instead of a refusal (issue 13: the investigator). */
export const roleLanding: Partial<Record<StaffRole, string>> = { incident: '/admin/security/incidents' };

export function can(role: StaffRole, permission: Permission): boolean {
  return rolePermissions[role].has(permission);
}
