import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { FastifyRequest } from 'fastify';
import { recordStaffAction, type StaffRef } from '../../audit/record.ts';
import type { AppContext } from '../../platform/context.ts';
import { assetIntegrity, assetUrl, staticDir } from '../../platform/http/assets.ts';
import { html, type SafeHtml } from '../../platform/http/html.ts';
import { isPaymentPage } from '../csp-reports/csp-reports.ts';

/** The page groups a third-party script may be approved for. Payment pages are not a choice (T6). */
export const scriptPageGroups = ['catalog', 'account', 'legal'] as const;
export type ScriptPageGroup = (typeof scriptPageGroups)[number];

const groupOf = (path: string): ScriptPageGroup | null => {
  if (path === '/' || path === '/products' || path.startsWith('/products/') || path.startsWith('/c/') || path.startsWith('/p/')) return 'catalog';
  if (path === '/account' || path.startsWith('/account/')) return 'account';
  if (path.startsWith('/legal/')) return 'legal';
  return null;
};

/**
 * T6: pages where a password, TOTP secret or code, recovery code or reset token is shown or typed: no
 * third-party script, whatever group it was approved for (a script there could read them from the form).
 */
export const isCredentialPage = (path: string): boolean => /^\/account\/(sign-in|password|2fa|register|email)/.test(path);

export interface ThirdPartyScript {
  id: number;
  url: string;
  sha384: string;
  pages: ScriptPageGroup[];
  owner: string;
  justification: string;
  addedBy: string | null;
  addedAt: Date;
  approvedBy: string | null;
  approvedAt: Date | null;
}

export interface FirstPartyScript {
  path: string;
  url: string;
  sha384: string | null;
}

/** Every script under static/ (first-party), with the SRI hash the pages carry. */
export function firstPartyScripts(): FirstPartyScript[] {
  const out: FirstPartyScript[] = [];
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      const full = join(dir, n);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.m?js$/.test(n)) {
        const path = relative(staticDir, full).split('\\').join('/');
        out.push({ path, url: assetUrl(path), sha384: assetIntegrity(path) });
      }
    }
  };
  walk(staticDir);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * The third-party part of the script inventory (PCI DSS 6.4.3; T6). Only approved entries reach a page's
 * CSP (their origin in `script-src`) or its markup (`scriptTags`), and never on a payment page or in the console.
 */
export class ScriptInventory {
  private approved: ThirdPartyScript[] = [];
  private started = false;

  constructor(private readonly ctx: AppContext) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    // Several instances: each reloads the approved list every minute (and at once after its own changes).
    this.ctx.scheduler.every('script-inventory', 60_000, () => this.reload(), { single: false, runAtStart: true });
  }

  async reload(): Promise<void> {
    this.approved = (await this.list()).filter((s) => s.approvedAt !== null);
  }

  async list(): Promise<ThirdPartyScript[]> {
    const rows = await this.ctx.db
      .selectFrom('script_inventory')
      .leftJoin('staff as adder', 'adder.id', 'script_inventory.added_by')
      .leftJoin('staff as approver', 'approver.id', 'script_inventory.approved_by')
      .select(['script_inventory.id', 'url', 'sha384', 'pages', 'owner', 'justification', 'added_at', 'approved_at', 'adder.name as added_by_name', 'approver.name as approved_by_name'])
      .where('removed_at', 'is', null)
      .orderBy('script_inventory.id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      url: r.url,
      sha384: r.sha384,
      pages: r.pages.split(',').filter((p): p is ScriptPageGroup => (scriptPageGroups as readonly string[]).includes(p)),
      owner: r.owner,
      justification: r.justification,
      addedBy: r.added_by_name,
      addedAt: r.added_at,
      approvedBy: r.approved_by_name,
      approvedAt: r.approved_at,
    }));
  }

  /** The approved scripts for a request's page: none on payment pages, the console or the API. */
  forPage(url: string): ThirdPartyScript[] {
    if (!this.approved.length) return [];
    const path = url.split('?')[0]!;
    if (isPaymentPage(path)) return []; // T6: cart, checkout and payment return load no third-party script at all
    if (isCredentialPage(path)) return [];
    const group = groupOf(path);
    return group ? this.approved.filter((s) => s.pages.includes(group)) : [];
  }

  /** Origins for the page's CSP `script-src`. */
  originsFor(req: FastifyRequest): string[] {
    return [...new Set(this.forPage(req.url).map((s) => new URL(s.url).origin))];
  }

  /** The tags for the page's approved scripts, each pinned by its SRI hash (a layout adds them). */
  scriptTags(req: FastifyRequest): SafeHtml {
    return html`${this.forPage(req.url).map((s) => html`<script src="${s.url}" integrity="${s.sha384}" crossorigin="anonymous" defer></script>`)}`;
  }

  async add(staff: StaffRef, input: { url: string; sha384: string; pages: ScriptPageGroup[]; owner: string; justification: string }, req?: Pick<FastifyRequest, 'ip' | 'headers'>): Promise<'added' | 'duplicate'> {
    const result = await this.ctx.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('script_inventory')
        .values({ url: input.url, sha384: input.sha384, pages: input.pages.join(','), owner: input.owner, justification: input.justification, added_by: staff.id })
        .onConflict((oc) => oc.column('url').where('removed_at', 'is', null).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!row) return 'duplicate' as const;
      await recordStaffAction(trx, { staff, action: 'script.add', object: { type: 'script_inventory', id: row.id }, detail: { origin: new URL(input.url).origin, pages: input.pages }, req });
      return 'added' as const;
    });
    return result;
  }

  /** Four-eyes: the owner who added a script cannot approve it (`own_entry`); another owner must. */
  async approve(staff: StaffRef, id: number, req?: Pick<FastifyRequest, 'ip' | 'headers'>): Promise<'approved' | 'not_found' | 'own_entry'> {
    const result = await this.ctx.db.transaction().execute(async (trx) => {
      const pending = await trx.selectFrom('script_inventory').select(['id', 'added_by']).where('id', '=', id).where('removed_at', 'is', null).where('approved_at', 'is', null).executeTakeFirst();
      if (!pending) return 'not_found' as const;
      // T6/T4: one stolen owner session must not be enough to put a script on the shop's pages.
      if (pending.added_by === null || pending.added_by === staff.id) return 'own_entry' as const;
      const row = await trx
        .updateTable('script_inventory')
        .set({ approved_by: staff.id, approved_at: new Date() })
        .where('id', '=', id)
        .where('removed_at', 'is', null)
        .where('approved_at', 'is', null)
        .where('added_by', '<>', staff.id)
        .returning(['id', 'url'])
        .executeTakeFirst();
      if (!row) return 'not_found' as const;
      await recordStaffAction(trx, { staff, action: 'script.approve', object: { type: 'script_inventory', id }, detail: { origin: new URL(row.url).origin }, req });
      return 'approved' as const;
    });
    await this.reload();
    return result;
  }

  async remove(staff: StaffRef, id: number, req?: Pick<FastifyRequest, 'ip' | 'headers'>): Promise<boolean> {
    const ok = await this.ctx.db.transaction().execute(async (trx) => {
      const row = await trx.updateTable('script_inventory').set({ removed_at: new Date() }).where('id', '=', id).where('removed_at', 'is', null).returning(['id', 'url']).executeTakeFirst();
      if (row) await recordStaffAction(trx, { staff, action: 'script.remove', object: { type: 'script_inventory', id }, detail: { origin: new URL(row.url).origin }, req });
      return row !== undefined;
    });
    await this.reload();
    return ok;
  }
}

