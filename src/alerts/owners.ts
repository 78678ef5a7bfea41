import type { Db } from '../platform/db/database.ts';

/**
 * Who is mailed when an alert is raised (issue 11): implemented by the staff accounts (identity), handed in by the
 * composition root (src/app/services.ts for the store, src/cli/main.ts for the commands), so alerts/ imports no
 * domain above it. Read inside the alert's transaction (`db` is that transaction).
 */
export interface OwnerDirectory {
  activeOwnerEmails(db: Db): Promise<string[]>;
}

let directory: OwnerDirectory | null = null;

/** The composition root names the directory once at start (the same for every store in a process). */
export function useOwnerDirectory(owners: OwnerDirectory): void {
  directory = owners;
}

/** T4: an alert that would mail nobody because nothing was wired is a fault, not a quiet success. */
export function ownerDirectory(): OwnerDirectory {
  if (!directory) throw new Error('alerts: no owner directory (the composition root calls useOwnerDirectory at start)');
  return directory;
}
