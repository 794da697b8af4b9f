// The time of the latest observation each twin property took, to tell late observations apart.

/** Properties remembered at most; the twins least recently observed are forgotten first. */
const DEFAULT_CAPACITY = 1_000_000;

/** One twin's remembered properties: pointer -> the observation time of the value it holds. */
export class TwinObservations {
  private readonly times = new Map<string, number>();

  /** @internal Made by {@link LatestObservations.of}. */
  constructor(private readonly owner: LatestObservations) {}

  /** How many properties are remembered. */
  get size(): number {
    return this.times.size;
  }

  /** True when the property holds a value observed after `t`. */
  isLate(pointer: string, t: number): boolean {
    const latest = this.times.get(pointer);
    return latest !== undefined && t < latest;
  }

  /** Records that the property now holds a value observed at `t`. */
  observe(pointer: string, t: number): void {
    const known = this.times.size;
    this.times.set(pointer, t);
    if (this.times.size !== known) this.owner.grew();
  }
}

/**
 * Per twin property, the observation time of the value it holds, as far as ingest wrote it in
 * this process or learnt it from the twin's series (see ObservationWriter). A property not
 * remembered takes any observation: only what is known to be newer makes one late.
 *
 * Kept per twin (one lookup of the twin per message, then one per property, with no key built),
 * in the order twins were last looked up, so that past `capacity` properties the twins least
 * recently observed go first.
 */
export class LatestObservations {
  private readonly twins = new Map<string, TwinObservations>();
  private properties = 0;

  constructor(private readonly capacity: number = DEFAULT_CAPACITY) {}

  /** The twin's remembered properties, made when none are, and now the most recently used. */
  of(thingId: string): TwinObservations {
    let twin = this.twins.get(thingId);
    if (twin === undefined) twin = new TwinObservations(this);
    else this.twins.delete(thingId);
    this.twins.set(thingId, twin);
    return twin;
  }

  /** How many properties are remembered. */
  get size(): number {
    return this.properties;
  }

  /** True when the property holds a value observed after `t`. */
  isLate(thingId: string, pointer: string, t: number): boolean {
    return this.twins.get(thingId)?.isLate(pointer, t) ?? false;
  }

  /** Records `t` unless the property is known to hold a value observed later. */
  observeIfNewer(thingId: string, pointer: string, t: number): void {
    const twin = this.of(thingId);
    if (!twin.isLate(pointer, t)) twin.observe(pointer, t);
  }

  /** @internal A twin remembers one more property: past capacity, the oldest twins go. */
  grew(): void {
    this.properties++;
    // The newest twin (the one that grew) stays, whatever its size.
    while (this.properties > this.capacity && this.twins.size > 1) {
      const [oldestId, oldest] = this.twins.entries().next().value as [string, TwinObservations];
      this.twins.delete(oldestId);
      this.properties -= oldest.size;
    }
  }
}
