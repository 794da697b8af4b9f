// The API's bodies the pages name, as the OpenAPI document describes them (generated types).
import type { ResponseBody } from './api-client.js';

export type TokenPair = ResponseBody<'/auth/login', 'post'>;
export type WhoAmI = ResponseBody<'/whoami', 'get'>;
export type User = ResponseBody<'/users/{username}', 'get'>;
export type Token = ResponseBody<'/tokens', 'get'>[number];
export type NewToken = ResponseBody<'/tokens', 'post'>;
export type Webhook = ResponseBody<'/webhooks/{id}', 'get'>;
export type Delivery = ResponseBody<'/webhooks/{id}/deliveries', 'get'>['items'][number];
export type DeadLetter = ResponseBody<'/ingest/deadletters/{id}', 'get'>;
export type Redriven = ResponseBody<'/ingest/deadletters/{id}/redrive', 'post'>;
export type SpecView = ResponseBody<'/ingest/specs/{specId}', 'get'>;
export type SpecTest = ResponseBody<'/ingest/specs/{specId}/test', 'post'>;
export type Policy = ResponseBody<'/policies/{policyId}', 'get'>;
export type SearchPage = ResponseBody<'/search/things', 'get'>;
export type HistoryEvent = ResponseBody<'/things/{thingId}/history', 'get'>[number];
export type TypeListItem = ResponseBody<'/types', 'get'>[number];
export type TypeDocument = ResponseBody<'/types/{typeId}', 'get'>;
export type Alert = ResponseBody<'/alerts/{alertId}', 'get'>;
export type AlertPage = ResponseBody<'/alerts', 'get'>;
export type Relation = NonNullable<
  ResponseBody<'/things/{thingId}/relations', 'get'>['relations']
>[number];

/** An alert as a replay's comparison lists it (times ISO 8601; null while active). */
export interface ComparedAlert {
  thingId: string;
  assessment: string;
  severity: string;
  raisedAt: string;
  resolvedAt: string | null;
  liveResolvedAt?: string | null;
}

/** A replay's comparison with what happened live (the server's ReplayComparison, times ISO 8601). */
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
    onlyInReplayList: ComparedAlert[];
    onlyLiveList: ComparedAlert[];
    resolvedApartList: ComparedAlert[];
  };
  outputs: {
    compared: number;
    differing: number;
    maxAbsDifference: number;
    twins: {
      thingId: string;
      differing: number;
      maxAbsDifference: number;
      pointers: Record<string, { differing: number; maxAbsDifference: number }>;
    }[];
    twinsDiffering: number;
  };
  lateDropped: number;
}

/** A replay as GET /replays/{replayId} answers it (the document leaves most of it open). */
export interface Replay {
  replayId: string;
  state: 'running' | 'succeeded' | 'failed';
  request: { type: string; filter: string | null; from: string; to: string; into: string | null };
  created: string;
  finished: string | null;
  progress: { twins: number; events: number | null; eventsDone: number; fraction: number };
  seconds: number | null;
  comparison?: ReplayComparison;
  into?: {
    namespace: string;
    written: string[];
    deleted: string[];
    failed: { thingId: string; message: string }[];
  };
  error?: string;
}
