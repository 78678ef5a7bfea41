import { readFileSync } from 'node:fs';

// The host's listening TCP sockets (issue 15): read by the self-diagnosis (src/doctor) and the T3 drill's
// planted-listener step (src/drills).

export interface ListeningSocket {
  address: string;
  port: number;
  loopback: boolean;
}

function hexV4(h: string): string {
  const n = parseInt(h, 16);
  return [n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255].join('.');
}

/** Every listening TCP socket of the host, from /proc/net/tcp{,6}; null where there is no /proc. */
export function listeningSockets(): ListeningSocket[] | null {
  const out: ListeningSocket[] = [];
  let any = false;
  for (const [file, v6] of [['/proc/net/tcp', false], ['/proc/net/tcp6', true]] as const) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
      any = true;
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4 || cols[3] !== '0A') continue; // 0A: LISTEN
      const [addrHex, portHex] = cols[1]!.split(':');
      const port = parseInt(portHex!, 16);
      if (!v6) {
        const address = hexV4(addrHex!);
        out.push({ address, port, loopback: address.startsWith('127.') });
      } else {
        const loopback = addrHex === '00000000000000000000000001000000' || /^0000000000000000FFFF00000100007F$/i.test(addrHex!);
        out.push({ address: addrHex === '00000000000000000000000000000000' ? '::' : `[${addrHex}]`, port, loopback });
      }
    }
  }
  return any ? out : null;
}

/** Listeners reachable from outside the host (not loopback) on ports the store does not expect. */
export function unexpectedListeners(expectedPorts: Iterable<number>): ListeningSocket[] | null {
  const sockets = listeningSockets();
  if (!sockets) return null;
  const expected = new Set(expectedPorts);
  return sockets.filter((s) => !s.loopback && !expected.has(s.port));
}
