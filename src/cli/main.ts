import { adminBaseUrl, loadConfig } from '../platform/config.ts';
import { openDatabase } from '../platform/db/database.ts';
import { migrate } from '../platform/db/migrate.ts';
import { ensureSetupToken } from '../identity/staff/setup-token.ts';
import { scanPanCommand } from '../detection/cli.ts';
import { integrityCommand } from '../integrity/cli.ts';
import { auditCommand } from '../audit/cli.ts';
import { keysCommand } from '../vault/cli.ts';
import { encryptedTables } from '../app/encrypted-tables.ts';
import { useOwnerDirectory } from '../alerts/owners.ts';
import { activeOwnerEmails } from '../identity/staff/staff-accounts.ts';
import { backupCommand } from '../backup/cli.ts';
import { retentionCommand } from '../retention/cli.ts';
import { securityCommand } from '../security-events/cli.ts';
import { bansCommand } from '../bans/cli.ts';
import { alertsCommand } from '../alerts/cli.ts';
import { incidentCommand } from '../incidents/cli.ts';
import { watchdogCommand } from '../watchdog/cli.ts';
import { scanMalwareCommand } from '../malware-scan/cli.ts';
import { doctorCommand } from '../doctor/cli.ts';
import { drillCommand } from '../drills/cli.ts';
import { mailCommand } from '../outbox/cli.ts';
import { fulfilmentCommand } from '../fulfilment/cli.ts';

type Command = { summary: string; run(args: string[]): Promise<number> };

// The commands raise alerts too (a scan finding, a failed backup): mailed to the active owners, as in the store.
useOwnerDirectory({ activeOwnerEmails });

async function withDatabase<T>(fn: (handle: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>): Promise<T> {
  const handle = await openDatabase(loadConfig());
  try {
    await migrate(handle);
    return await fn(handle);
  } finally {
    await handle.close();
  }
}

const commands: Record<string, Command> = {
  keys: keysCommand(encryptedTables),
  'scan-pan': scanPanCommand,
  integrity: integrityCommand,
  audit: auditCommand,
  backup: backupCommand,
  retention: retentionCommand,
  security: securityCommand,
  bans: bansCommand,
  alerts: alertsCommand,
  incident: incidentCommand,
  watchdog: watchdogCommand,
  'scan-malware': scanMalwareCommand,
  doctor: doctorCommand,
  drill: drillCommand,
  mail: mailCommand,
  fulfilment: fulfilmentCommand,
  migrate: {
    summary: 'apply pending database migrations',
    run: () =>
      withDatabase(async () => {
        console.log('migrations applied');
        return 0;
      }),
  },
  'setup-link': {
    summary: 'print a one-time link (24 h) to create the first owner account, while no staff account exists',
    run: () =>
      withDatabase(async ({ db }) => {
        const token = await ensureSetupToken(db);
        if (!token) {
          console.error('A staff account already exists: sign in at /admin/sign-in.');
          return 1;
        }
        const config = loadConfig();
        console.log(`${adminBaseUrl(config)}/admin/setup?token=${token}`);
        return 0;
      }),
  },
};

function help(): number {
  console.log('usage: omamori <command>\n');
  for (const [name, c] of Object.entries(commands)) console.log(`  ${name.padEnd(14)} ${c.summary}`);
  console.log('\nConfiguration comes from the same environment variables as the store (DATABASE_URL, DATA_DIR, ...).');
  return 0;
}

const [name, ...args] = process.argv.slice(2);
const command = name ? commands[name] : undefined;
try {
  process.exitCode = command ? await command.run(args) : name && name !== 'help' ? (console.error(`unknown command: ${name}`), help(), 2) : help();
} catch (err) {
  console.error(`omamori ${name}: ${(err as Error).message}`);
  process.exitCode = 1;
}
