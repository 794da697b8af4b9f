// A server-sent events reader over Node's fetch (undici): parses `data:`/`id:` events and comments.
export interface SseEvent {
  id?: string;
  data: string;
}

export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  ended = false;
  private buffer = '';
  private readonly waiters: (() => void)[] = [];
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly done: Promise<void>;

  private constructor(
    readonly response: Response,
    private readonly controller: AbortController,
  ) {
    this.reader = (response.body as ReadableStream<Uint8Array>).getReader();
    this.done = this.read();
  }

  /** Opens a stream; resolves once the response headers arrived (whatever the status). */
  static async open(url: string, headers: Record<string, string>): Promise<SseClient> {
    const controller = new AbortController();
    const response = await fetch(url, {
      headers: { accept: 'text/event-stream', ...headers },
      signal: controller.signal,
    });
    return new SseClient(response, controller);
  }

  private async read(): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await this.reader.read();
        if (done) break;
        this.buffer += decoder.decode(value, { stream: true });
        this.parse();
      }
    } catch {
      // aborted
    }
    this.ended = true;
    this.wake();
  }

  private parse(): void {
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const event: SseEvent = { data: '' };
      let hasData = false;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('data:')) {
          event.data += (hasData ? '\n' : '') + line.slice(5).replace(/^ /, '');
          hasData = true;
        } else if (line.startsWith('id:')) event.id = line.slice(3).trim();
      }
      if (hasData) this.events.push(event);
    }
    this.wake();
  }

  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Waits until `count` events arrived (or the stream ended, or the time ran out). */
  async waitFor(count: number, timeoutMs = 5000): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length < count && !this.ended && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.events;
  }

  /** Waits until the server ends the stream. */
  async untilEnd(timeoutMs = 5000): Promise<void> {
    await Promise.race([this.done, new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
  }

  json(): unknown[] {
    return this.events.map((e) => JSON.parse(e.data) as unknown);
  }

  /** Drops the connection from the client side. */
  async close(): Promise<void> {
    this.controller.abort();
    await this.done;
  }
}
