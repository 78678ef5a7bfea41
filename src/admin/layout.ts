import type { FastifyRequest } from 'fastify';
import { can, type Permission } from '../platform/permissions.ts';
import { assetTag, assetUrl } from '../platform/http/assets.ts';
import { html, type SafeHtml } from '../platform/http/html.ts';
import { t } from './messages.ts';

export interface AdminPage {
  title: string;
  body: SafeHtml;
  /** Which navigation entry is current, e.g. '/admin/orders'. */
  section?: string;
  scripts?: string[];
}

const nav: Array<{ href: string; key: Parameters<typeof t>[1]; permission: Permission }> = [
  { href: '/admin', key: 'navDashboard', permission: 'dashboard.view' },
  { href: '/admin/orders', key: 'navOrders', permission: 'orders.read' },
  { href: '/admin/fulfilment', key: 'navFulfilment', permission: 'orders.write' },
  { href: '/admin/products', key: 'navProducts', permission: 'catalog.read' },
  { href: '/admin/categories', key: 'navCategories', permission: 'catalog.read' },
  { href: '/admin/coupons', key: 'navCoupons', permission: 'catalog.read' },
  { href: '/admin/customers', key: 'navCustomers', permission: 'customers.read' },
  { href: '/admin/mail', key: 'navMail', permission: 'mail.read' },
  { href: '/admin/exports', key: 'navExports', permission: 'exports.create' },
  { href: '/admin/staff', key: 'navStaff', permission: 'staff.manage' },
  { href: '/admin/security', key: 'navSecurityOverview', permission: 'security.read' },
  { href: '/admin/security/alerts', key: 'navAlerts', permission: 'security.read' },
  { href: '/admin/security/incidents', key: 'navIncidents', permission: 'incidents.read' },
  { href: '/admin/security/integrity', key: 'navIntegrity', permission: 'security.read' },
  { href: '/admin/security/csp-reports', key: 'navCsp', permission: 'security.read' },
  { href: '/admin/security/pages', key: 'navPageWatch', permission: 'security.read' },
  { href: '/admin/security/scripts', key: 'navScripts', permission: 'security.read' },
  { href: '/admin/audit', key: 'navAudit', permission: 'audit.read' },
  { href: '/admin/settings', key: 'navSettings', permission: 'settings.manage' },
  { href: '/admin/settings/shipping', key: 'navShipping', permission: 'settings.manage' },
];

export function adminPage(req: FastifyRequest, page: AdminPage): SafeHtml {
  const l = req.locale;
  const staff = req.staff;
  const other = l === 'ja' ? 'en' : 'ja';
  return html`<!doctype html>
<html lang="${l}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${page.title} | ${t(l, 'console')}</title>
${assetTag('css/store.css')}
${assetTag('css/admin.css')}
<link rel="icon" href="${assetUrl('img/favicon.svg')}" type="image/svg+xml">
</head>
<body class="admin">
<a class="skip" href="#main">${t(l, 'skip')}</a>
<header class="admin-header">
  <a class="brand" href="/admin">omamori <span>${t(l, 'console')}</span></a>
  ${staff
    ? html`<div class="admin-user cluster">
        <span>${staff.name} <span class="role">${t(l, `role_${staff.role}`)}</span></span>
        <a href="/admin/passkeys">${t(l, 'navPasskeys')}</a>
        <a href="?lang=${other}" lang="${other}">${other === 'en' ? 'English' : '日本語'}</a>
        <form method="post" action="/admin/sign-out"><button type="submit" class="btn-link">${t(l, 'signOut')}</button></form>
      </div>`
    : ''}
</header>
<div class="admin-shell">
  ${staff
    ? html`<nav class="admin-nav" aria-label="${t(l, 'console')}">
      <input type="checkbox" id="admin-nav-open" class="nav-toggle"><label for="admin-nav-open" class="nav-toggle-label btn btn-secondary">${t(l, 'menu')}</label>
      <ul>
        ${nav
          .filter((n) => can(staff.role, n.permission))
          .map((n) => html`<li><a href="${n.href}" ${page.section === n.href ? html`aria-current="page"` : ''}>${t(l, n.key)}</a></li>`)}
        ${can(staff.role, 'security.emergency') ? html`<li><a href="/admin/security/emergency" ${page.section === '/admin/security/emergency' ? html`aria-current="page"` : ''}>${t(l, 'navSecurity')}</a></li>` : ''}
        <li><a href="/" target="_blank" rel="noopener">${t(l, 'viewStore')}</a></li>
      </ul></nav>`
    : ''}
  <main id="main" class="admin-main">
    ${req.consoleBanner ?? ''}
    ${req.alertBanner ?? ''}
    <h1>${page.title}</h1>
    ${page.body}
  </main>
</div>
${(page.scripts ?? []).map((s) => assetTag(s))}
</body>
</html>`;
}

export function adminErrorPage(req: FastifyRequest, status: number, message: string): string {
  return String(adminPage(req, { title: `${t(req.locale, 'error')} ${status}`, body: html`<p class="alert alert-error" role="alert">${message}</p><p><a href="/admin">${t(req.locale, 'navDashboard')}</a></p>` }));
}
