import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, testDbKind, testPoolSize } from '../../test/harness.ts';
import { openDatabase, type DatabaseHandle } from '../platform/db/database.ts';
import { migrate } from '../platform/db/migrate.ts';

/** Tests: a migrated database of the kind under test (in-memory PGlite or a fresh PostgreSQL database) and a data dir. */
export async function openTestDatabase(): Promise<{ handle: DatabaseHandle; url: string | undefined; dataDir: string; close(): Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'omamori-vault-'));
  let url: string | undefined;
  let drop: (() => Promise<void>) | undefined;
  if (testDbKind === 'postgres') ({ url, drop } = await createTestDatabase());
  const handle = await openDatabase({ databaseUrl: url, dataDir, databasePoolSize: testPoolSize ?? 4 }, { memory: true });
  await migrate(handle);
  return {
    handle,
    url,
    dataDir,
    async close() {
      await handle.close();
      await drop?.();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
