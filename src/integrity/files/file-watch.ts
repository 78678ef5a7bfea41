import { existsSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join, sep } from 'node:path';
import type { Logger } from 'pino';

export interface TreeWatch {
  /** Whether every watcher started (false: only the periodic verification catches changes). */
  readonly active: boolean;
  close(): void;
}

/**
 * Watches the folders of the manifest's scope (recursive `fs.watch`: inotify on Linux) and the root
 * for the scope's top-level files. Changed paths are collected and handed over after `debounceMs` of
 * quiet (at most `maxDelayMs` after the first change), so a deploy that writes 1,000 files is one
 * check, not 1,000. What a watcher can miss (an overflowed queue, a bind mount changed elsewhere) the
 * periodic full verification still finds.
 */
export function watchTree(root: string, scope: string[], opts: { debounceMs: number; maxDelayMs: number; log: Logger; onChange: (paths: string[]) => Promise<void> }): TreeWatch {
  const watchers: FSWatcher[] = [];
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | null = null;
  let firstAt = 0;
  let running: Promise<void> | null = null;
  let active = true;
  let closed = false;
  const entries = scope.map((s) => s.replace(/^\.?\/+|\/+$/g, '')).filter((s) => s && !s.split('/').includes('..'));

  const flush = () => {
    timer = null;
    if (closed || !pending.size) return;
    if (running) {
      // One check at a time; the next starts when this one ends.
      void running.finally(schedule);
      return;
    }
    const paths = [...pending];
    pending.clear();
    running = opts
      .onChange(paths)
      .catch((err: unknown) => opts.log.error({ err }, 'integrity: checking changed files failed'))
      .finally(() => {
        running = null;
      });
  };
  const schedule = () => {
    if (closed || !pending.size) return;
    if (timer) clearTimeout(timer);
    const wait = Math.max(0, Math.min(opts.debounceMs, firstAt + opts.maxDelayMs - Date.now()));
    timer = setTimeout(flush, wait);
    timer.unref();
  };
  const changed = (rel: string) => {
    if (!pending.size) firstAt = Date.now();
    pending.add(rel.split(sep).join('/'));
    schedule();
  };
  const start = (path: string, recursive: boolean, map: (name: string) => string | null) => {
    try {
      const w = watch(path, { recursive, persistent: false }, (_event, name) => {
        if (name === null) return;
        const rel = map(name.toString());
        if (rel) changed(rel);
      });
      w.on('error', (err) => {
        active = false;
        opts.log.error({ err: err.message, path }, 'integrity: file watcher stopped; the periodic verification remains');
      });
      watchers.push(w);
    } catch (err) {
      active = false;
      opts.log.error({ err: (err as Error).message, path }, 'integrity: cannot watch; the periodic verification remains');
    }
  };

  const topFiles = new Set(entries.filter((e) => !e.includes('/')));
  // The root, for top-level files of the scope and folders of the scope created or replaced later.
  start(root, false, (name) => (topFiles.has(name) ? name : null));
  for (const entry of entries) {
    const abs = join(root, entry);
    if (!existsSync(abs)) continue;
    if (statSync(abs).isDirectory()) start(abs, true, (name) => `${entry}/${name}`);
    else if (entry.includes('/')) start(join(abs, '..'), false, (name) => (`${entry.slice(0, entry.lastIndexOf('/'))}/${name}` === entry ? entry : null));
  }

  return {
    get active() {
      return active && !closed;
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
