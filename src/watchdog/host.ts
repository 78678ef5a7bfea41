import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** A listening TCP socket of this process, from /proc/net/tcp{,6}. */
export interface Listener {
  address: string;
  port: number;
}

export interface ChildProcess {
  pid: number;
  name: string;
}

export const procAvailable = () => existsSync('/proc/net/tcp') && existsSync('/proc/self/fd');

/** Socket inodes held by this process (its file descriptors `socket:[N]`). */
function ownSocketInodes(): Set<string> {
  const out = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) out.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

function hexAddress(hex: string): string {
  if (hex.length === 8) return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
  // IPv6: four 32-bit words, each in host (little-endian) byte order.
  const words = [0, 1, 2, 3].map((w) => hex.slice(w * 8, w * 8 + 8).match(/../g)!.reverse().join(''));
  return words.join('').match(/.{4}/g)!.map((g) => g.replace(/^0+(?=.)/, '')).join(':');
}

/** Parses /proc/net/tcp or tcp6 text: the LISTEN sockets (state 0A) with their inode. */
export function parseProcNetTcp(text: string): Array<Listener & { inode: string }> {
  const out: Array<Listener & { inode: string }> = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[3] !== '0A') continue;
    const [addr, port] = f[1]!.split(':');
    out.push({ address: hexAddress(addr!), port: parseInt(port!, 16), inode: f[9]! });
  }
  return out;
}

/** The TCP ports this process listens on (Linux /proc). */
export function ownListeners(): Listener[] {
  const mine = ownSocketInodes();
  const out: Listener[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const l of parseProcNetTcp(readFileSync(file, 'utf8'))) if (mine.has(l.inode)) out.push({ address: l.address, port: l.port });
  }
  return out;
}

/** This process's child processes (every thread's `children` list), with their command name. */
export function ownChildren(): ChildProcess[] {
  const pids = new Set<number>();
  for (const task of readdirSync('/proc/self/task')) {
    try {
      for (const p of readFileSync(`/proc/self/task/${task}/children`, 'utf8').trim().split(/\s+/)) if (p) pids.add(Number(p));
    } catch {
      // thread ended meanwhile
    }
  }
  const out: ChildProcess[] = [];
  for (const pid of pids) {
    try {
      out.push({ pid, name: readFileSync(`/proc/${pid}/comm`, 'utf8').trim() });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}
