/** `1h`, `30m`, `7d`, `45s` → milliseconds; null when malformed. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

/** `--flag value` / `--flag=value` options and bare `--switch`es; positional words are returned in order. */
export function parseArgs(args: string[], valued: readonly string[]): { options: Record<string, string>; switches: Set<string>; words: string[]; unknown: string[] } {
  const options: Record<string, string> = {};
  const switches = new Set<string>();
  const words: string[] = [];
  const unknown: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) {
      words.push(a);
      continue;
    }
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (valued.includes(name)) {
      const v = inline ?? args[++i];
      if (v === undefined) unknown.push(a);
      else options[name] = v;
    } else if (inline === undefined) switches.add(name);
    else unknown.push(a);
  }
  return { options, switches, words, unknown };
}

/** A plain text table for people (the --json output is for scripts). */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
