import { readFileSync, writeFileSync } from 'node:fs';
import { loadConfig } from '../platform/config.ts';
import type { AppContext } from '../platform/context.ts';
import { openDatabase } from '../platform/db/database.ts';
import { migrate } from '../platform/db/migrate.ts';
import { parseArgs, table } from '../security-events/cli-args.ts';
import { bindVault } from '../vault/bound.ts';
import { openVault } from '../vault/index.ts';
import { startCampaign } from './campaign.ts';
import { applyDsn } from './dsn.ts';
import { incidentFiles } from './files.ts';
import { sendDueReminders } from './reminders.ts';
import { latestScope, runScope } from './scope.ts';
import { parseScope } from './scope-input.ts';
import { parseDeclare } from './input.ts';
import { ppcDraft, ppcText } from './ppc.ts';
import { incidentCase } from './service.ts';
import { declareIncident, getIncident, listIncidents } from './store.ts';
import { incidentDb } from './tables.ts';

type Out = Pick<Console, 'log' | 'error'>;
type Ctx = Pick<AppContext, 'db' | 'vault' | 'config'>;
const usage = [
  'usage: omamori incident list [--json]',
  '       omamori incident show ID [--json]',
  '       omamori incident declare --kind card_skimming|data_leak|account_takeover|defacement|other --title T [--known-at TIME] [--severity S] [--json]',
  '       omamori incident report ID --ppc preliminary|final [--json]',
  '       omamori incident export ID [--out FILE] [--json]   (the evidence, through the guarded export)',
  '       omamori incident scope ID --from YYYY-MM-DD --to YYYY-MM-DD [--card-only] [--customers] [--prefectures 東京都,大阪府] [--products SLUG,...] [--json]',
  '       omamori incident notify ID [--json]   (start the notice campaign over the latest scope)',
  '       omamori incident bounce [FILE ...] [--json]   (returned mails (DSN): their recipients get a letter; no FILE: stdin)',
  '       omamori incident remind [--json]   (send the PPC deadline reminders that are due now)',
].join('\n');
const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

/** The first active owner: the store's host acts for the owners (who declared is recorded as this owner, via the CLI). */
async function hostOwner(ctx: Ctx): Promise<{ id: number; name: string; role: string } | undefined> {
  return ctx.db.selectFrom('staff').select(['id', 'name', 'role']).where('role', '=', 'owner').where('active', '=', true).orderBy('id').limit(1).executeTakeFirst();
}

/** `omamori incident ...`: the same case as the console; a table for people and `--json` for scripts. */
export async function runIncidentCli(args: string[], ctx: Ctx, shopName: () => Promise<string>, out: Out = console): Promise<number> {
  const [sub, ...rest] = args;
  const p = parseArgs(rest, ['kind', 'title', 'known-at', 'severity', 'ppc', 'out', 'from', 'to', 'prefectures', 'products']);
  const json = p.switches.has('json');
  const db = incidentDb(ctx.db);
  const bad = () => (out.error(usage), 2);
  if (p.unknown.length || [...p.switches].some((s) => !['json', 'card-only', 'customers'].includes(s))) return bad();
  const idArg = () => (p.words.length === 1 && /^\d{1,9}$/.test(p.words[0]!) ? Number(p.words[0]) : null);

  if (sub === 'list' && !p.words.length) {
    const rows = await listIncidents(db);
    if (json) out.log(JSON.stringify(rows.map((r) => ({ id: r.id, title: r.title, kind: r.kind, severity: r.severity, status: r.status, knownAt: iso(r.known_at), declaredAt: iso(r.declared_at), lead: r.lead_name })), null, 2));
    else if (!rows.length) out.log('no incidents');
    else out.log(table(['id', 'severity', 'kind', 'status', 'known (UTC)', 'title'], rows.map((r) => [String(r.id), r.severity, r.kind, r.status, iso(r.known_at)!.slice(0, 16).replace('T', ' '), r.title])));
    return 0;
  }
  if (sub === 'show') {
    const id = idArg();
    if (id === null) return bad();
    const c = await incidentCase(ctx, id);
    if (!c) return out.error(`no incident ${id}`), 1;
    const view = {
      id,
      title: c.incident.title,
      kind: c.incident.kind,
      severity: c.incident.severity,
      status: c.incident.status,
      knownAt: iso(c.incident.known_at),
      deadlines: { preliminaryBy: iso(c.deadlines.preliminaryBy), finalBy: iso(c.deadlines.finalBy), finalDays: c.deadlines.finalDays },
      triggers: c.triggers,
      switches: c.switches,
      scope: c.scope,
      campaigns: c.campaigns,
      evidence: c.evidence,
      tasks: c.tasks.map((k) => ({ id: k.id, title: k.title, done: k.done_at !== null })),
      contacts: c.contacts.map((k) => ({ id: k.id, kind: k.kind, organisation: k.organisation, person: k.person, phone: k.phone, reference: k.reference, contactedAt: iso(k.contacted_at) })),
      timeline: c.timeline.map((e) => ({ at: iso(e.at), who: e.staff_name ?? 'system', kind: e.kind, detail: e.detail })),
    };
    if (json) out.log(JSON.stringify(view, null, 2));
    else {
      out.log(`#${id} ${view.title} [${view.kind} / ${view.severity} / ${view.status}] known ${view.knownAt}`);
      out.log(`PPC preliminary by ${view.deadlines.preliminaryBy}, final by ${view.deadlines.finalBy}; report required: ${c.triggers.reportRequired ? 'yes' : 'no'}`);
      out.log(`evidence: ${c.evidence.items} items, manifest ${c.evidence.expected} (${c.evidence.ok ? 'verified' : 'MISMATCH'})`);
      out.log(table(['at (UTC)', 'who', 'step'], view.timeline.map((e) => [e.at!.slice(0, 19).replace('T', ' '), e.who, e.kind])));
    }
    return 0;
  }
  if (sub === 'declare' && !p.words.length) {
    const parsed = parseDeclare({ title: p.options.title, kind: p.options.kind, severity: p.options.severity, known_at: p.options['known-at'] });
    if (!parsed.values) return out.error(`invalid: ${Object.keys(parsed.errors).join(', ')}\n${usage}`), 2;
    const owner = await hostOwner(ctx);
    if (!owner) return out.error('no active owner: create one first (omamori staff ...)'), 1;
    const v = parsed.values;
    const r = await declareIncident(db, { title: v.title, kind: v.kind, severity: v.severity, knownAt: v.knownAt, leadStaffId: owner.id, alertId: null, declaredBy: owner.id });
    if (json) out.log(JSON.stringify({ id: r.id, evidence: r.evidence, manifestSha256: r.manifest }));
    else out.log(`incident ${r.id} declared; ${r.evidence} evidence items frozen (manifest ${r.manifest})`);
    return 0;
  }
  if (sub === 'report') {
    const id = idArg();
    const stage = p.options.ppc;
    if (id === null || (stage !== 'preliminary' && stage !== 'final')) return bad();
    const inc = await getIncident(db, id);
    if (!inc) return out.error(`no incident ${id}`), 1;
    const report = await ppcDraft(db, inc, stage);
    out.log(json ? JSON.stringify(report, null, 2) : ppcText(report));
    return 0;
  }
  if (sub === 'export') {
    const id = idArg();
    if (id === null) return bad();
    const owner = await hostOwner(ctx);
    if (!owner || !(await getIncident(db, id))) return out.error(owner ? `no incident ${id}` : 'no active owner'), 1;
    const file = await incidentFiles(ctx, shopName).evidence(id, owner);
    const path = p.options.out ?? file.filename;
    writeFileSync(path, file.body, { mode: 0o600 }); // T4: personal data in the audit entries; readable by the owner only
    if (json) out.log(JSON.stringify({ file: path, items: file.items }));
    else out.log(`wrote ${path} (${file.items} evidence items)`);
    return 0;
  }
  if (sub === 'scope') {
    const id = idArg();
    const parsed = parseScope({ from: p.options.from, to: p.options.to, prefectures: p.options.prefectures, products: p.options.products, card_only: p.switches.has('card-only') ? '1' : '', customers: p.switches.has('customers') ? '1' : '' });
    if (id === null) return bad();
    if (!parsed.criteria) return out.error(`invalid: ${Object.keys(parsed.errors).join(', ')}\n${usage}`), 2;
    const owner = await hostOwner(ctx);
    if (!owner || !(await getIncident(db, id))) return out.error(owner ? `no incident ${id}` : 'no active owner'), 1;
    const r = await runScope(db, id, parsed.criteria, owner.id);
    out.log(json ? JSON.stringify(r) : `scope ${r.scopeId}: ${r.total} people (${r.cardPeople} by card)`);
    return 0;
  }
  if (sub === 'notify') {
    const id = idArg();
    if (id === null) return bad();
    const owner = await hostOwner(ctx);
    const scope = await latestScope(db, id);
    if (!owner || !scope) return out.error(owner ? `incident ${id} has no scope: run \`omamori incident scope\` first` : 'no active owner'), 1;
    const campaignId = await startCampaign(db, id, scope.id, owner.id);
    out.log(json ? JSON.stringify({ campaignId, scopeId: scope.id, people: scope.total }) : `campaign ${campaignId} started for ${scope.total} people; the store's job runner sends it`);
    return 0;
  }
  if (sub === 'bounce') {
    const files = p.words.length ? p.words : ['-'];
    const results = [];
    for (const f of files) results.push({ file: f, ...(await applyDsn(db, ctx.vault, f === '-' ? readFileSync(0) : readFileSync(f))) });
    if (json) out.log(JSON.stringify(results, null, 2));
    else out.log(table(['file', 'outcome', 'outbox', 'incident'], results.map((r) => [r.file, r.outcome, String(r.outboxId ?? '-'), String(r.incidentId ?? '-')])));
    return 0;
  }
  if (sub === 'remind' && !p.words.length) {
    const sent = await sendDueReminders(ctx);
    out.log(json ? JSON.stringify({ sent }) : `${sent} reminders sent`);
    return 0;
  }
  return bad();
}

export const incidentCommand = {
  summary: 'incident list | show ID | declare | report ID --ppc preliminary|final | export ID | scope ID | notify ID | bounce [FILE] | remind [--json]: the incident console',
  async run(args: string[]): Promise<number> {
    const config = loadConfig();
    const handle = await openDatabase(config);
    try {
      await migrate(handle);
      const vault = await openVault(config, handle);
      try {
        const db = bindVault(handle.db, vault);
        const shopName = async () => {
          const row = await db.selectFrom('shop_setting').select('value').where('key', '=', 'shop').executeTakeFirst();
          const name = (row?.value as { name?: unknown } | undefined)?.name;
          return typeof name === 'string' ? name : 'omamori';
        };
        return await runIncidentCli(args, { db, vault, config }, shopName);
      } finally {
        await vault.close();
      }
    } finally {
      await handle.close();
    }
  },
};
