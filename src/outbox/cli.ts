import { loadConfig, type Config } from '../platform/config.ts';
import { openDatabase } from '../platform/db/database.ts';
import type { Db } from '../platform/db/database.ts';
import { migrate } from '../platform/db/migrate.ts';
import { activateDkimKey, createDkimKey, ensureDkimKey, listDkimKeys, mailDnsRecords, senderDomain, zoneText } from '../platform/mail/dkim.ts';
import { openVault } from '../vault/index.ts';
import { bindVault } from '../vault/bound.ts';

type Command = { summary: string; run(args: string[]): Promise<number> };

const usage = 'usage: omamori mail dns [--json] | mail dkim list [--json] | mail dkim rotate | mail dkim activate SELECTOR';

async function withMailKeys(fn: (db: Db, config: Config) => Promise<number>): Promise<number> {
  const config = loadConfig();
  const handle = await openDatabase(config);
  try {
    await migrate(handle);
    const vault = await openVault(config, handle);
    try {
      await vault.prepareScopes(['mail_dkim_key']);
      return await fn(bindVault(handle.db, vault), config);
    } finally {
      await vault.close();
    }
  } finally {
    await handle.close();
  }
}

/**
 * `omamori mail dns`: the DNS records to publish for signed mail (SPF, the DKIM public keys, DMARC in two stages).
 * `omamori mail dkim rotate`: a new key with a new selector, as "next" (publish its record, then `activate`).
 * `omamori mail dkim activate SELECTOR`: sign with it from now on (the store picks it up within a minute).
 */
export const mailCommand: Command = {
  summary: 'mail dns [--json] | dkim list | dkim rotate | dkim activate SELECTOR: signed mail (DKIM, SPF, DMARC)',
  async run(args) {
    const json = args.includes('--json');
    const [noun, verb, arg] = args.filter((a) => a !== '--json');
    if (noun === 'dns') {
      return withMailKeys(async (db, config) => {
        await ensureDkimKey(db, config.mailFrom);
        const records = mailDnsRecords(config.mailFrom, await listDkimKeys(db), { spfInclude: config.mailSpfInclude, dmarcReports: config.mailDmarcRua });
        if (json) {
          console.log(JSON.stringify({ domain: senderDomain(config.mailFrom), records }, null, 2));
          return 0;
        }
        console.log(`DNS records for mail from ${senderDomain(config.mailFrom)} (publish SPF, every DKIM key, and DMARC stage 1):\n`);
        for (const r of records) {
          const label = r.purpose === 'dmarc' ? `DMARC stage ${r.stage}` : r.purpose === 'dkim' ? `DKIM ${r.selector}` : 'SPF';
          console.log(`; ${label}: ${r.note}`);
          console.log(`${r.name} IN TXT ${zoneText(r.value)}\n`);
        }
        return 0;
      });
    }
    if (noun === 'dkim' && (verb === 'list' || verb === 'rotate' || verb === 'activate')) {
      return withMailKeys(async (db, config) => {
        if (verb === 'list') {
          const keys = await listDkimKeys(db, { all: true });
          if (json) console.log(JSON.stringify(keys.map(({ publicKey: _p, ...k }) => k), null, 2));
          else for (const k of keys) console.log(`${k.selector.padEnd(32)} ${k.domain.padEnd(24)} ${k.state.padEnd(8)} created ${k.createdAt.toISOString()}${k.activatedAt ? `, signing since ${k.activatedAt.toISOString()}` : ''}`);
          return 0;
        }
        if (verb === 'rotate') {
          const key = await createDkimKey(db, senderDomain(config.mailFrom), 'next');
          if (json) console.log(JSON.stringify({ selector: key.selector, name: `${key.selector}._domainkey.${key.domain}.`, value: `v=DKIM1; k=rsa; p=${key.publicKey}` }, null, 2));
          else {
            console.log(`new DKIM key ${key.selector} (not signing yet). Publish this record, wait for DNS, then run \`omamori mail dkim activate ${key.selector}\`:\n`);
            console.log(`${key.selector}._domainkey.${key.domain}. IN TXT ${zoneText(`v=DKIM1; k=rsa; p=${key.publicKey}`)}`);
          }
          return 0;
        }
        if (!arg) {
          console.error(usage);
          return 2;
        }
        if (!(await activateDkimKey(db, arg))) {
          console.error(`${arg} is not a key waiting to be activated (see \`omamori mail dkim list\`)`);
          return 1;
        }
        console.log(`mail is now signed with ${arg}; keep the previous key's record published for a week`);
        return 0;
      });
    }
    console.error(usage);
    return 2;
  },
};
