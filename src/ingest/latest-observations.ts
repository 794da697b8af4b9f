// The time of the latest observation each twin property took, to tell late observations apart.

/** Properties remembered at most; the least recently observed are forgotten first. */
const DEFAULT_CAPACITY = 1_000_000;

/**
 * Per twin property, the observation time of the value it holds, as far as ingest wrote it in
 * this process or learnt it from the twin's series (see ObservationWriter). A property not
 * remembered takes any observation: only what is known to be newer makes one late.
 */
export class LatestObservations {
  private readonly times = new Map<string, number>();

  constructor(private readonly capacity: number = DEFAULT_CAPACITY) {}

  /** True when the property holds a value observed after `t`. */
  isLate(thingId: string, pointer: string, t: number): boolean {
    const latest = this.times.get(`${thingId}\u0000${pointer}`);
    return latest !== undefined && t < latest;
  }

  /** Records `t` unless the property is known to hold a value observed later. */
  observeIfNewer(thingId: string, pointer: string, t: number): void {
    if (!this.isLate(thingId, pointer, t)) this.observe(thingId, pointer, t);
  }

  /** Records that the property now holds a value observed at `t`. */
  observe(thingId: string, pointer: string, t: number): void {
    const key = `${thingId}\u0000${pointer}`;
    // Re-inserted, so the map's order is the order of last observation.
    this.times.delete(key);
    this.times.set(key, t);
    if (this.times.size > this.capacity) {
      const oldest = this.times.keys().next().value as string;
      this.times.delete(oldest);
    }
  }
}
