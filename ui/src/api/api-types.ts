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
