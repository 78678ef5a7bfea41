import { SMTPServer } from 'smtp-server';
import { freePort } from './faults/services.ts';

/** A real SMTP peer on loopback (tests that mail), on a fixed port that can be closed (connections refused) and opened again. */
export class SmtpPeer {
  readonly received: Array<{ to: string[]; subject: string; raw: string }> = [];
  /** Recipients refused with 550 at RCPT TO (a bounce the sender sees at once). */
  readonly rejectRecipients = new Set<string>();
  private server: SMTPServer | undefined;
  private constructor(readonly port: number) {}

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<SmtpPeer> {
    const peer = new SmtpPeer(await freePort());
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
          this.received.push({ to: session.envelope.rcptTo.map((r) => r.address), subject, raw });
          callback();
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
