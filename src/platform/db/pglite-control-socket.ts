import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { PGlitePool } from './pglite-pool.ts';

/** The folder a pg client names as `host` (the socket inside is `.s.PGSQL.5432`, as PostgreSQL names its own). */
export const controlSocketDir = (dataDir: string) => join(dataDir, 'control');
export const controlSocketPort = 5432;

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

/**
 * The running store's embedded database, served over the PostgreSQL wire protocol on a Unix socket in
 * DATA_DIR, so that `omamori` commands work with the normal pg driver while the store runs (PGlite
 * admits one process). The socket takes the store's own connection (PGlitePool) for each statement and
 * keeps it while the client is inside a transaction, so a command's statements never interleave with
 * the store's. NOTIFYs a command's transaction sends reach the store's listeners (ban caches).
 * (@electric-sql/pglite-socket does the forwarding but shares nothing with our pool, so a store
 * transaction and a command's statements could interleave; it also pins another PGlite version.)
 */
export async function serveControlSocket(opts: {
  dataDir: string;
  pglite: PGlite;
  pool: PGlitePool;
  /** A client that keeps the database inside a transaction this long without a message is rolled back and cut off. */
  idleInTransactionMs: number;
  notify(channel: string, payload: string): void;
}): Promise<{ dir: string; close(): Promise<void> }> {
  const dir = controlSocketDir(opts.dataDir);
  // T3/T4: only the store's host user may use it (folder 0700, socket 0600): the socket speaks to the database without
  // a password, so whoever can open it can read and change everything, like the data directory itself.
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const path = join(dir, `.s.PGSQL.${controlSocketPort}`);
  rmSync(path, { force: true }); // a stale socket of a store that died: the caller holds the data directory lock
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveClient(socket, opts);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(path, 0o600);
  return {
    dir,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(path, { force: true });
    },
  };
}

function serveClient(socket: Socket, opts: Parameters<typeof serveControlSocket>[0]) {
  const { pglite, pool } = opts;
  let inbuf = Buffer.alloc(0);
  let outbuf = Buffer.alloc(0);
  let started = false;
  let closed = false;
  let conn: Awaited<ReturnType<PGlitePool['connect']>> | null = null;
  let status = 'I';
  let sawReady = false;
  let chain: Promise<void> = Promise.resolve();
  let holdTimer: NodeJS.Timeout | undefined;

  const readOutput = (data: Uint8Array) => {
    outbuf = outbuf.length ? Buffer.concat([outbuf, data]) : Buffer.from(data);
    while (outbuf.length >= 5) {
      const len = outbuf.readInt32BE(1);
      if (outbuf.length < 1 + len) break;
      const type = outbuf[0];
      if (type === 0x5a) {
        status = String.fromCharCode(outbuf[5]!); // ReadyForQuery: I idle, T in a transaction, E failed transaction
        sawReady = true;
      } else if (type === 0x41) {
        const body = outbuf.subarray(9, 1 + len); // NotificationResponse: pid, channel\0, payload\0
        const end = body.indexOf(0);
        const channel = body.subarray(0, end).toString('utf8');
        const payload = body.subarray(end + 1, body.indexOf(0, end + 1)).toString('utf8');
        queueMicrotask(() => opts.notify(channel, payload));
      }
      outbuf = outbuf.subarray(1 + len);
    }
  };

  const release = () => {
    clearTimeout(holdTimer);
    conn?.release();
    conn = null;
  };

  /** Leaves the database as the store expects it: no half-sent extended query, no open transaction. */
  const cleanUp = async () => {
    if (!conn) return;
    try {
      await pglite.runExclusive(() => pglite.execProtocolRaw(Buffer.from([0x53, 0, 0, 0, 4]))); // Sync
      if (pglite.isInTransaction()) await pglite.exec('ROLLBACK');
    } finally {
      release();
    }
  };

  const shutDown = () => {
    if (closed) return;
    closed = true;
    socket.destroy();
    chain = chain.then(cleanUp, cleanUp).catch(() => undefined);
  };

  const forward = async (message: Buffer) => {
    if (closed) return;
    if (!conn) conn = await pool.connect();
    clearTimeout(holdTimer);
    sawReady = false;
    await pglite.runExclusive(() =>
      pglite.execProtocolRawStream(message, {
        onRawData: (data) => {
          readOutput(data);
          if (!closed) socket.write(data);
        },
      }),
    );
    if (sawReady && status === 'I') release();
    else holdTimer = setTimeout(shutDown, opts.idleInTransactionMs).unref();
  };

  /** The next whole message from the client (the startup message has no type byte), an empty one when handled here, or null. */
  const take = (): Buffer | null => {
    let len: number;
    if (!started) {
      if (inbuf.length < 8) return null;
      const code = inbuf.readInt32BE(4);
      if (code === SSL_REQUEST || code === GSS_REQUEST) {
        inbuf = inbuf.subarray(8);
        socket.write('N'); // no encryption on a local socket
        return Buffer.alloc(0);
      }
      if (code === CANCEL_REQUEST) {
        shutDown();
        return null;
      }
      len = inbuf.readInt32BE(0);
    } else {
      if (inbuf.length < 5) return null;
      len = 1 + inbuf.readInt32BE(1);
    }
    if (inbuf.length < len) return null;
    const message = inbuf.subarray(0, len);
    inbuf = inbuf.subarray(len);
    return message;
  };

  socket.on('data', (data) => {
    inbuf = inbuf.length ? Buffer.concat([inbuf, data]) : data;
    for (;;) {
      const wasStarted = started;
      const message = take();
      if (message === null || closed) break;
      if (message.length === 0) continue;
      if (!wasStarted) started = true;
      else if (message[0] === 0x58) {
        shutDown(); // Terminate: the client leaves; the store's database stays open
        break;
      }
      chain = chain.then(() => forward(message)).catch(() => shutDown());
    }
  });
  socket.on('error', shutDown);
  socket.on('close', shutDown);
}
