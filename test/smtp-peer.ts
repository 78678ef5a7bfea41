import { createRequire } from 'node:module';
import { SMTPServer } from 'smtp-server';
import { freePort } from './faults/services.ts';

/** Looks up DNS TXT records the way node:dns does (`[['chunk', ...], ...]`); tests answer from their own keys. */
export type TxtResolver = (name: string, type: string) => Promise<string[][]>;
export type DkimOutcome = 'pass' | 'fail' | 'none';

const { dkimVerify } = createRequire(import.meta.url)('mailauth/lib/dkim/verify') as {
  dkimVerify: (input: Buffer, options: { resolver?: TxtResolver }) => Promise<{ results: Array<{ status: { result: string; comment?: string }; signingDomain?: string; selector?: string }> }>;
};

/** Verifies a mail's DKIM signatures with mailauth (a maintained verifier); 'pass' needs every signature to pass. */
export async function verifyDkim(raw: string, resolver: TxtResolver): Promise<DkimOutcome> {
  const { results } = await dkimVerify(Buffer.from(raw, 'utf8'), { resolver });
  if (!results.length || results.every((r) => r.status.result === 'none')) return 'none';
  return results.every((r) => r.status.result === 'pass') ? 'pass' : 'fail';
}

/** A real SMTP peer on loopback (tests that mail), on a fixed port that can be closed (connections refused) and opened again. */
export class SmtpPeer {
  /** `dkim`: the signature check of each mail against `dkimResolver`'s records (when the peer was given one). */
  readonly received: Array<{ to: string[]; subject: string; raw: string; dkim?: DkimOutcome }> = [];
  /** Recipients refused with 550 at RCPT TO (a bounce the sender sees at once). */
  readonly rejectRecipients = new Set<string>();
  private server: SMTPServer | undefined;
  private constructor(
    readonly port: number,
    private readonly dkimResolver?: TxtResolver,
  ) {}

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  static async start(opts: { dkimResolver?: TxtResolver } = {}): Promise<SmtpPeer> {
    const peer = new SmtpPeer(await freePort(), opts.dkimResolver);
    await peer.resume();
    return peer;
  }

  async resume(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        if (this.rejectRecipients.has(address.address.toLowerCase())) {
          const err = Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 });
          return callback(err);
        }
        callback();
      },
      onData: (stream, session, callback) => {
        let raw = '';
        stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
        stream.on('end', () => {
          const subject = /^Subject: (.*)$/m.exec(raw)?.[1] ?? '';
          const to = session.envelope.rcptTo.map((r) => r.address);
          if (!this.dkimResolver) {
            this.received.push({ to, subject, raw });
            return callback();
          }
          verifyDkim(raw, this.dkimResolver).then(
            (dkim) => {
              this.received.push({ to, subject, raw, dkim });
              callback();
            },
            (err: Error) => callback(err),
          );
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
