// What a replay says against what happened live: alerts only one side raised (matched by assessment
// and raise time), alerts both raised but resolved at other times, and outputs that differ.
import type { AlertSpan, TwinReplayResult } from './twin-replay.js';

/** Most alerts and twins each list of a comparison holds; the counts always cover all. */
export const MAX_LISTED = 1000;

export interface ComparedAlert extends AlertSpan {
  thingId: string;
}

export interface ResolvedApart extends ComparedAlert {
  /** When the live alert resolved (null: still active), beside `resolvedAt` of the replay. */
  liveResolvedAt: number | null;
}

export interface TwinOutputDifference {
  thingId: string;
  differing: number;
  maxAbsDifference: number;
  pointers: Record<string, { differing: number; maxAbsDifference: number }>;
}

export interface ReplayComparison {
  twins: number;
  events: number;
  alerts: {
    replayed: number;
    live: number;
    matched: number;
    onlyInReplay: number;
    onlyLive: number;
    resolvedApart: number;
    /** The first {@link MAX_LISTED} of each, by twin then time. */
    onlyInReplayList: ComparedAlert[];
    onlyLiveList: ComparedAlert[];
    resolvedApartList: ResolvedApart[];
  };
  outputs: {
    compared: number;
    differing: number;
    maxAbsDifference: number;
    /** Twins whose outputs differed (the first {@link MAX_LISTED}). */
    twins: TwinOutputDifference[];
    twinsDiffering: number;
  };
  lateDropped: number;
}

/** An empty comparison, to which twins' results are added. */
export function emptyComparison(): ReplayComparison {
  return {
    twins: 0,
    events: 0,
    alerts: {
      replayed: 0,
      live: 0,
      matched: 0,
      onlyInReplay: 0,
      onlyLive: 0,
      resolvedApart: 0,
      onlyInReplayList: [],
      onlyLiveList: [],
      resolvedApartList: [],
    },
    outputs: { compared: 0, differing: 0, maxAbsDifference: 0, twins: [], twinsDiffering: 0 },
    lateDropped: 0,
  };
}

function keyOf(span: AlertSpan): string {
  return `${span.assessment}\u0000${span.raisedAt}`;
}

function listed<T>(list: T[], item: T): void {
  if (list.length < MAX_LISTED) list.push(item);
}

/** Adds one twin's replay to a comparison (mutating it). */
export function addTwin(comparison: ReplayComparison, twin: TwinReplayResult): void {
  comparison.twins++;
  comparison.events += twin.events;
  comparison.lateDropped += twin.lateDropped;
  const { alerts, outputs } = comparison;
  alerts.replayed += twin.replayAlerts.length;
  alerts.live += twin.liveAlerts.length;
  const live = new Map<string, AlertSpan[]>();
  for (const span of twin.liveAlerts) {
    const same = live.get(keyOf(span));
    if (same) same.push(span);
    else live.set(keyOf(span), [span]);
  }
  for (const span of twin.replayAlerts) {
    const match = live.size === 0 ? undefined : live.get(keyOf(span))?.shift();
    if (match === undefined) {
      alerts.onlyInReplay++;
      listed(alerts.onlyInReplayList, { thingId: twin.thingId, ...span });
      continue;
    }
    alerts.matched++;
    if (match.resolvedAt !== span.resolvedAt) {
      alerts.resolvedApart++;
      listed(alerts.resolvedApartList, {
        thingId: twin.thingId,
        ...span,
        liveResolvedAt: match.resolvedAt,
      });
    }
  }
  for (const spans of live.values()) {
    for (const span of spans) {
      alerts.onlyLive++;
      listed(alerts.onlyLiveList, { thingId: twin.thingId, ...span });
    }
  }
  outputs.compared += twin.compared;
  let differing = 0;
  let max = 0;
  for (const difference of Object.values(twin.outputs)) {
    differing += difference.differing;
    max = Math.max(max, difference.maxAbsDifference);
  }
  if (differing === 0) return;
  outputs.differing += differing;
  outputs.maxAbsDifference = Math.max(outputs.maxAbsDifference, max);
  outputs.twinsDiffering++;
  listed(outputs.twins, {
    thingId: twin.thingId,
    differing,
    maxAbsDifference: max,
    pointers: twin.outputs,
  });
}

/**
 * Adds the comparison of a later set of twins to `comparison` (mutating it): as if their twins had
 * been added after its own, one by one.
 */
export function addComparison(comparison: ReplayComparison, later: ReplayComparison): void {
  comparison.twins += later.twins;
  comparison.events += later.events;
  comparison.lateDropped += later.lateDropped;
  const { alerts, outputs } = comparison;
  alerts.replayed += later.alerts.replayed;
  alerts.live += later.alerts.live;
  alerts.matched += later.alerts.matched;
  alerts.onlyInReplay += later.alerts.onlyInReplay;
  alerts.onlyLive += later.alerts.onlyLive;
  alerts.resolvedApart += later.alerts.resolvedApart;
  for (const alert of later.alerts.onlyInReplayList) listed(alerts.onlyInReplayList, alert);
  for (const alert of later.alerts.onlyLiveList) listed(alerts.onlyLiveList, alert);
  for (const alert of later.alerts.resolvedApartList) listed(alerts.resolvedApartList, alert);
  outputs.compared += later.outputs.compared;
  outputs.differing += later.outputs.differing;
  outputs.maxAbsDifference = Math.max(outputs.maxAbsDifference, later.outputs.maxAbsDifference);
  outputs.twinsDiffering += later.outputs.twinsDiffering;
  for (const twin of later.outputs.twins) listed(outputs.twins, twin);
}
