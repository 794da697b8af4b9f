// Search over the twins: the index built from the loaded states in the background, and queries
// answered from it with documents of the current states.
import {
  asSearchDocument,
  toSearchDocument,
  type SearchDocument,
  type Thing,
} from '../core/thing.js';
import type { JsonObject } from '../core/json.js';
import type { SearchQuery, TwinIndex } from '../store/twin-index.js';
import type { TwinStates } from './twin-states.js';

export class TwinSearch {
  private indexing: Promise<void> = Promise.resolve();
  /** False while the search index is being built after a load. */
  complete = true;

  /**
   * `visit` sees every twin the build goes through, parsed once for both (the relation graph is
   * built in the same pass).
   */
  constructor(
    private readonly index: TwinIndex,
    private readonly states: TwinStates,
    private readonly visit: (thingId: string, thing: JsonObject) => void = () => {},
  ) {}

  /** Starts indexing every loaded twin in the background; searches wait for it. */
  start(): void {
    this.complete = false;
    this.indexing = this.build().then(() => {
      this.complete = true;
    });
  }

  /** Resolves once the index holds every twin loaded at start. */
  get built(): Promise<void> {
    return this.indexing;
  }

  /**
   * Indexes every twin, yielding to the event loop between slices. Writes meanwhile index their
   * own twin; a twin visited later is indexed from its latest state, so the result is consistent.
   */
  private async build(): Promise<void> {
    let n = 0;
    for (const [thingId, entry] of this.states.all()) {
      // A parsed thing is shared, so it is copied; one parsed here is ours to turn into the document.
      if (entry.thing !== null) {
        this.visit(thingId, entry.thing);
        this.index.put(toSearchDocument(entry.thing as unknown as Thing, entry));
      } else if (entry.json !== null) {
        const thing = JSON.parse(entry.json) as Thing;
        this.visit(thingId, thing as unknown as JsonObject);
        // The map's own key rather than the parsed copy: the index keeps the id, and the key's
        // hash is already computed.
        thing.thingId = thingId;
        this.index.put(asSearchDocument(thing, entry));
      }
      if (++n % 4096 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async search(query: SearchQuery): Promise<{ docs: SearchDocument[]; cursor?: string }> {
    await this.indexing;
    const page = await this.index.search(query);
    const docs: SearchDocument[] = [];
    for (const id of page.thingIds) {
      const found = this.states.current(id);
      if (found) docs.push(toSearchDocument(found.thing as unknown as Thing, found.meta));
    }
    return { docs, cursor: page.cursor };
  }

  async count(query: Pick<SearchQuery, 'filter' | 'namespaces' | 'visible'>): Promise<number> {
    await this.indexing;
    return this.index.count(query);
  }
}
