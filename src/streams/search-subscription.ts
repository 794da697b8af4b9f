// Ditto's search protocol on the WebSocket (`_/_/things/twin/search/subscribe|request|cancel`): pages
// of GET /search/things, as the subscriber's identity sees them, sent as far as its demand goes.
import type { Identity } from '../auth/identity.js';
import type { ApiContext } from '../api/api-context.js';
import { searchThings, type SearchParams } from '../api/routes/search-routes.js';
import { errors } from '../core/error-registry.js';
import { isJsonObject, type JsonObject } from '../core/json.js';
import { parseOptions } from '../rql/parse-options.js';
import { ProtocolMessageError, responseHeaders, UNKNOWN_ERROR_TOPIC } from './ditto-protocol.js';
import {
  ReactiveSubscriptions,
  startOf,
  type SubscriptionMessage,
  type SubscriptionSource,
} from './reactive-subscriptions.js';

/** The topic every search event is sent on (Ditto's placeholders: search spans things). */
const SEARCH_TOPIC = '_/_/things/twin/search';
const SUBSCRIBE_KEYS = new Set(['filter', 'options', 'namespaces']);

function invalid(detail: string, headers: Record<string, string>): never {
  throw new ProtocolMessageError(
    errors.protocolInvalid(detail).toBody(),
    UNKNOWN_ERROR_TOPIC,
    responseHeaders(headers),
  );
}

/** The pages of one search: the first page, then the next by its cursor, until one has none. */
class SearchPages implements SubscriptionSource {
  private cursor: string | undefined;
  private done = false;

  constructor(
    private readonly context: ApiContext,
    private readonly identity: () => Identity,
    private readonly params: SearchParams,
    private readonly options: string,
  ) {}

  async pull() {
    if (this.done) return null;
    const option = [this.options, this.cursor === undefined ? '' : `cursor(${this.cursor})`]
      .filter((o) => o !== '')
      .join(',');
    const page = await searchThings(this.context, this.identity(), {
      ...this.params,
      ...(option === '' ? {} : { option: [option] }),
    });
    this.cursor = page.cursor;
    this.done = page.cursor === undefined;
    if (page.items.length === 0) return null;
    return { value: page.items, last: this.done };
  }
}

/** The search subscriptions of one socket. */
export class SearchSubscriptions {
  private readonly subscriptions: ReactiveSubscriptions;

  constructor(
    private readonly context: ApiContext,
    private readonly identity: () => Identity,
    send: (message: SubscriptionMessage) => boolean,
    onError?: (error: unknown) => void,
  ) {
    this.subscriptions = new ReactiveSubscriptions({ streaming: false }, send, onError);
  }

  /** Whether a topic is one of the search protocol's (`<_|ns>/_/things/twin/search/…`). */
  static handles(parts: string[]): boolean {
    return parts.length >= 5 && parts[2] === 'things' && parts[4] === 'search';
  }

  /**
   * Handles a search command; throws a {@link ProtocolMessageError} for a message that is not one
   * (answered on the errors topic, as Ditto's protocol adapter does).
   */
  handle(message: JsonObject, parts: string[], headers: Record<string, string>): void {
    const topic = String(message.topic);
    const [, name, , channel, , action, ...more] = parts;
    if (name !== '_' || channel !== 'twin' || more.length > 0)
      throw new ProtocolMessageError(
        errors.unknownTopicPath(topic).toBody(),
        UNKNOWN_ERROR_TOPIC,
        responseHeaders(headers),
      );
    if (message.path !== undefined && message.path !== '/')
      invalid(`a search command has the path '/', not '${String(message.path)}'.`, headers);
    const value = message.value ?? {};
    if (!isJsonObject(value)) invalid('the value of a search command is a JSON object.', headers);
    if (action === 'subscribe') return this.subscribe(message, value, headers);
    if (action !== 'request' && action !== 'cancel')
      throw new ProtocolMessageError(
        errors.unknownTopicPath(topic).toBody(),
        UNKNOWN_ERROR_TOPIC,
        responseHeaders(headers),
      );
    if (message.fields !== undefined)
      invalid(`only 'subscribe' takes 'fields', not '${action}'.`, headers);
    this.subscriptions.command(SEARCH_TOPIC, action, value, headers, 'pages', (error) => {
      throw new ProtocolMessageError(error.toBody(), UNKNOWN_ERROR_TOPIC, responseHeaders(headers));
    });
  }

  close(): void {
    this.subscriptions.close();
  }

  private subscribe(message: JsonObject, value: JsonObject, headers: Record<string, string>) {
    for (const key of Object.keys(value))
      if (!SUBSCRIBE_KEYS.has(key))
        invalid(`a 'subscribe' takes filter, options and namespaces, not '${key}'.`, headers);
    const { filter, options, namespaces } = value;
    if (filter !== undefined && typeof filter !== 'string')
      invalid("'filter' is an RQL string.", headers);
    if (options !== undefined && typeof options !== 'string')
      invalid("'options' is a string such as 'sort(+thingId),size(10)'.", headers);
    if (
      namespaces !== undefined &&
      (!Array.isArray(namespaces) || !namespaces.every((n) => typeof n === 'string'))
    )
      invalid("'namespaces' is an array of namespace strings.", headers);
    if (message.fields !== undefined && typeof message.fields !== 'string')
      invalid("'fields' is a string such as 'thingId,attributes'.", headers);
    const params: SearchParams = {};
    if (filter !== undefined) params.filter = [filter];
    if (namespaces !== undefined && namespaces.length > 0)
      params.namespaces = [(namespaces as string[]).join(',')];
    if (message.fields !== undefined) params.fields = [message.fields];
    const start = startOf(() => {
      const parsed = parseOptions(options);
      if (parsed.cursor !== undefined || parsed.offset !== undefined)
        throw errors.searchOptionInvalid(
          `The search protocol pages by itself: the options 'cursor' and 'limit' are not supported, given '${String(options)}'.`,
        );
      return new SearchPages(this.context, this.identity, params, options ?? '');
    });
    this.subscriptions.create(SEARCH_TOPIC, start, headers);
  }
}
