// Events out on NATS: every committed twin event, as the Ditto Protocol event the WebSocket sends,
// published to `<prefix>.<namespace>.<name>`; a subscriber of the committed-event stream that
// resumes from the position it saved, so it never slows a commit and skips nothing across restarts.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type {
  CommittedEventStream,
  EventSubscription,
} from '../../runtime/committed-event-stream.js';
import { eventEnvelope } from '../../streams/ditto-protocol.js';
import { eventSubject } from './nats-names.js';

export interface NatsEventPublisherOptions {
  prefix: string;
  /** Where the position of the last published event is kept (a small JSON file). */
  positionFile: string;
  logger: Logger;
  /** Events held before the publisher reads the journal instead (default 4096). */
  bufferSize?: number;
  /** Events published between flushes to the server (default 500). */
  flushEvery?: number;
}

/** The saved position, or null when none was saved (then publishing starts with new events). */
function readPosition(file: string): number | null {
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { seq?: unknown };
    return typeof saved.seq === 'number' && Number.isInteger(saved.seq) ? saved.seq : null;
  } catch {
    return null;
  }
}

export class NatsEventPublisher {
  private subscription: EventSubscription | null = null;
  private running: Promise<void> = Promise.resolve();
  private published = 0;
  private saved = 0;
  private closed = false;
  /** Why publishing stopped, when it did. */
  problem: string | null = null;

  constructor(
    private readonly stream: CommittedEventStream,
    private readonly nc: NatsConnection,
    private readonly options: NatsEventPublisherOptions,
  ) {}

  /** The position of the last event handed to NATS and flushed. */
  get position(): number {
    return this.saved;
  }

  start(): void {
    const saved = readPosition(this.options.positionFile);
    const from = saved === null ? this.stream.position + 1 : saved + 1;
    this.published = from - 1;
    this.saved = from - 1;
    mkdirSync(dirname(this.options.positionFile), { recursive: true });
    // Saved at once: a crash before the first flush resumes here, not at a later "now".
    if (saved === null) this.savePosition(this.saved);
    this.running = this.run(from);
  }

  private async run(from: number): Promise<void> {
    const flushEvery = this.options.flushEvery ?? 500;
    while (!this.closed) {
      this.subscription = this.stream.subscribe({
        fromSeq: from,
        bufferSize: this.options.bufferSize ?? 4096,
      });
      try {
        let unflushed = 0;
        for (;;) {
          // Flush when nothing else is waiting: a burst goes out in one write, a lone event at once.
          const next = this.subscription.next();
          const result = unflushed > 0 ? await this.raceIdle(next) : await next;
          if (result === 'idle') {
            await this.flush();
            unflushed = 0;
            const value = await next;
            if (value.done) break;
            this.publish(value.value);
            unflushed++;
            continue;
          }
          if (result.done) break;
          this.publish(result.value);
          if (++unflushed >= flushEvery) {
            await this.flush();
            unflushed = 0;
          }
        }
        await this.flush();
        return;
      } catch (error) {
        if (this.closed) return;
        this.problem = error instanceof Error ? error.message : String(error);
        this.options.logger.warn({ err: error }, 'NATS events: publishing paused; resuming in 1 s');
        await new Promise((resolve) => setTimeout(resolve, 1000));
        from = this.saved + 1;
        this.published = this.saved;
      }
    }
  }

  /** The next event, or 'idle' when none is ready within this turn of the event loop. */
  private raceIdle<T>(next: Promise<T>): Promise<T | 'idle'> {
    return Promise.race([
      next,
      new Promise<'idle'>((resolve) => setImmediate(() => resolve('idle'))),
    ]);
  }

  private publish(event: Parameters<typeof eventEnvelope>[0]): void {
    const seq = event.seq as number;
    const h = natsHeaders();
    // Lets a JetStream stream that captures these subjects drop the repeats of a resume.
    h.set('Nats-Msg-Id', `twinfold-${seq}`);
    h.set('Twinfold-Seq', String(seq));
    this.nc.publish(
      eventSubject(this.options.prefix, event.thingId),
      JSON.stringify(eventEnvelope(event)),
      {
        headers: h,
      },
    );
    this.published = seq;
  }

  /** Waits until the server has everything published, then saves the position. */
  private async flush(): Promise<void> {
    const reached = this.published;
    if (reached === this.saved) return;
    await this.nc.flush();
    this.problem = null;
    this.savePosition(reached);
    this.saved = reached;
  }

  private savePosition(seq: number): void {
    const file = this.options.positionFile;
    writeFileSync(`${file}.tmp`, JSON.stringify({ seq }));
    renameSync(`${file}.tmp`, file);
  }

  /** Publishes what was committed so far, saves the position and stops. */
  async close(): Promise<void> {
    // Events already committed are handed out first: wait until the subscription has caught up.
    const target = this.stream.position;
    const deadline = Date.now() + 5000;
    while (this.published < target && this.problem === null && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    this.closed = true;
    await this.subscription?.return();
    await this.running.catch(() => {});
  }
}
