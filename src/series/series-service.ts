// Reads and writes of series as an identity may make them: one series or several, raw or in
// buckets, backfills, and retention per namespace.
import type { Identity } from '../auth/identity.js';
import { inScope } from '../auth/identity.js';
import { errors } from '../core/error-registry.js';
import { namespaceOf } from '../core/thing.js';
import type { PermissionChecks } from '../services/permission-check.js';
import type {
  Retention,
  SeriesInfo,
  SeriesPoint,
  SeriesStore,
  SeriesValue,
} from '../store/series-store.js';
import { kindOf } from '../store/series-store.js';
import { fillBuckets } from './bucket-fill.js';
import type { SeriesRecorder } from './series-recorder.js';
import { bucketCount, bucketStart, type SeriesWindow } from './series-window.js';

/** The columns of an answer: `t`, then `value` (raw) or one per aggregation. */
export type SeriesColumns = { t: number[] } & Record<string, (SeriesValue | null)[] | number[]>;

/** One series read: the contract `{thingId, pointer, step, series: {t, …}}`. */
export interface SeriesAnswer {
  thingId: string;
  pointer: string;
  /** The step as asked (`5m`), null for raw points. */
  step: string | null;
  from: number;
  to: number;
  kind: SeriesInfo['kind'];
  series: SeriesColumns;
}

export interface SeriesServiceOptions {
  store: SeriesStore;
  recorder: SeriesRecorder;
  checks: PermissionChecks;
  /** Most points one answer may hold (`--max-series-points`). */
  maxPoints: number;
}

/** A series a read names. */
export interface SeriesKey {
  thingId: string;
  pointer: string;
}

export class SeriesService {
  constructor(private readonly options: SeriesServiceOptions) {}

  get maxPoints(): number {
    return this.options.maxPoints;
  }

  /** May `identity` do `permission` on the twin's pointer (under its policy, in its namespaces)? */
  allowed(identity: Identity, key: SeriesKey, permission: 'READ' | 'WRITE'): boolean {
    return this.options.checks.check(identity, {
      p: { resource: `thing:/${key.pointer}`, entityId: key.thingId, hasPermissions: [permission] },
    }).p;
  }

  /** The series, when `identity` may read it; the series' 404 otherwise (also when it has none). */
  async describe(identity: Identity, key: SeriesKey): Promise<SeriesInfo> {
    await this.options.recorder.caughtUp();
    const info = this.allowed(identity, key, 'READ')
      ? await this.options.store.describe(key.thingId, key.pointer)
      : null;
    if (info === null) throw errors.seriesNotFound(key.thingId, key.pointer);
    return info;
  }

  /** The series of a twin that `identity` may read (none of a twin it may not see). */
  async list(identity: Identity, thingId: string): Promise<SeriesInfo[]> {
    await this.options.recorder.caughtUp();
    if (!inScope(identity, namespaceOf(thingId))) throw errors.thingNotFound(thingId);
    const all = await this.options.store.listSeries(thingId);
    return all.filter((info) => this.allowed(identity, info, 'READ'));
  }

  /**
   * One series over a window. Throws the series' 404 when it has no points or may not be read,
   * and `timeseries:points.toomany` when the answer would hold more than `maxPoints`.
   */
  async read(
    identity: Identity,
    key: SeriesKey,
    window: SeriesWindow,
    stepText: string | null,
  ): Promise<SeriesAnswer> {
    const info = await this.describe(identity, key);
    return {
      thingId: key.thingId,
      pointer: key.pointer,
      step: stepText,
      from: window.from,
      to: window.to,
      kind: info.kind,
      series: await this.columns(info, window),
    };
  }

  /** The points a window would answer with, refusing it when that is more than allowed. */
  async checkSize(keys: readonly SeriesKey[], window: SeriesWindow): Promise<void> {
    const { store, maxPoints } = this.options;
    let points = 0;
    for (const key of keys) {
      points +=
        window.step === null
          ? await store.countRaw(key.thingId, key.pointer, window.from, window.to + 1)
          : bucketCount({ ...window, step: window.step }) * Math.max(window.aggregations.length, 1);
      if (points > maxPoints) break;
    }
    if (points > maxPoints) throw errors.seriesTooManyPoints(points, maxPoints);
  }

  /** The columns of one series over a window (already authorised, size checked here). */
  async columns(info: SeriesInfo, window: SeriesWindow): Promise<SeriesColumns> {
    await this.checkSize([info], window);
    const { store } = this.options;
    if (window.step === null) {
      const raw = await store.raw({
        thingId: info.thingId,
        pointer: info.pointer,
        from: window.from,
        to: window.to + 1,
        limit: this.options.maxPoints,
      });
      return { t: raw.t, value: raw.v };
    }
    if (window.fill === 'linear' && info.kind !== 'number')
      throw errors.seriesParameterInvalid(
        'fill',
        `linear fill draws lines between numbers, and ${info.thingId} /${info.pointer} holds ${info.kind} values; use previous or null`,
      );
    const step = window.step;
    const buckets = await store.buckets({
      thingId: info.thingId,
      pointer: info.pointer,
      from: bucketStart(window.from, step),
      to: bucketStart(window.to, step) + step,
      step,
      aggregations: window.aggregations,
    });
    const filled = fillBuckets(
      buckets,
      { from: window.from, to: window.to, step },
      window.aggregations,
      window.fill,
    );
    const columns: SeriesColumns = { t: filled.t };
    for (const aggregation of window.aggregations)
      columns[aggregation] = filled.values[aggregation] ?? [];
    return columns;
  }

  /**
   * Writes historical points of one series: kept as they are, without changing the twin, except
   * that the newest of them also becomes the twin's value when it is newer than the series' last
   * point (`writeCurrent` does that write, which keeps its point through the event). Needs WRITE
   * on the pointer. Resolves to how many points were kept and whether the twin changed.
   */
  async backfill(
    identity: Identity,
    key: SeriesKey,
    t: readonly number[],
    v: readonly SeriesValue[],
    writeCurrent: (value: SeriesValue, observedAt: number) => Promise<void>,
  ): Promise<{ points: number; current: boolean }> {
    if (!this.allowed(identity, key, 'WRITE')) throw errors.thingNotFound(key.thingId);
    if (t.length > this.options.maxPoints)
      throw errors.seriesTooManyPoints(t.length, this.options.maxPoints);
    await this.options.recorder.caughtUp();
    const info = await this.options.store.describe(key.thingId, key.pointer);
    const kind = info?.kind ?? kindOf(v[0]);
    for (let i = 0; i < v.length; i++) {
      if (kindOf(v[i]) !== kind)
        throw errors.seriesBodyInvalid(
          `v[${i}]`,
          `the series holds ${kind} values, and ${JSON.stringify(v[i])} is not one`,
        );
    }
    let newest = 0;
    for (let i = 1; i < t.length; i++) if (t[i] >= t[newest]) newest = i;
    const current = info === null || t[newest] > info.last;
    const points: SeriesPoint[] = [];
    for (let i = 0; i < t.length; i++) {
      if (current && i === newest) continue;
      points.push({ thingId: key.thingId, pointer: key.pointer, t: t[i], value: v[i] });
    }
    // The twin's write goes first: it is the part a policy or a condition may still refuse, and a
    // refused backfill keeps nothing.
    if (current) await writeCurrent(v[newest], t[newest]);
    await this.options.recorder.keep(points);
    return { points: t.length, current };
  }

  async getRetention(identity: Identity, namespace: string): Promise<Retention | null> {
    this.assertAdminOf(identity, namespace);
    return this.options.store.getRetention(namespace);
  }

  async putRetention(
    identity: Identity,
    namespace: string,
    retention: Retention,
  ): Promise<boolean> {
    this.assertAdminOf(identity, namespace);
    const existed = (await this.options.store.getRetention(namespace)) !== null;
    await this.options.store.putRetention(namespace, retention);
    return !existed;
  }

  async deleteRetention(identity: Identity, namespace: string): Promise<boolean> {
    this.assertAdminOf(identity, namespace);
    return this.options.store.deleteRetention(namespace);
  }

  /** Retention is an administrator's to set: it deletes data of every twin of a namespace. */
  private assertAdminOf(identity: Identity, namespace: string): void {
    if (!identity.admin) throw errors.seriesRetentionForbidden(namespace);
  }
}
