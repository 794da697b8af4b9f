// A small typed fetch wrapper over /api/2: credentials, JSON bodies, ETags, and errors as ApiError.
// Its paths, parameters and bodies are typed by the API's OpenAPI document (./generated/openapi.js).
import { ApiError, apiErrorOf } from './api-error.js';
import type { paths } from './generated/openapi.js';

/** The API's operations under /api/2, by the path its OpenAPI document gives (`/things/{thingId}`). */
type ApiPaths = {
  [P in keyof paths as P extends `/api/2${infer Rest}` ? Rest : never]: paths[P];
};
export type ApiPath = keyof ApiPaths;
type HttpMethod = 'get' | 'put' | 'post' | 'patch' | 'delete';
type Operation<P extends ApiPath, M extends HttpMethod> = NonNullable<ApiPaths[P][M]>;
/** The methods the document gives a path. */
export type MethodOf<P extends ApiPath> = {
  [M in HttpMethod]: [Operation<P, M>] extends [never] ? never : M;
}[HttpMethod];

type JsonOf<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;
type SuccessBodies<R> = {
  [S in keyof R]: S extends 204 ? undefined : S extends 200 | 201 | 202 ? JsonOf<R[S]> : never;
}[keyof R];
type OrUnknown<T> = [T] extends [never] ? unknown : T;

/** The body of an operation's success answer; `unknown` where the document does not describe it. */
export type ResponseBody<P extends ApiPath, M extends MethodOf<P>> = OrUnknown<
  Operation<P, M> extends { responses: infer R } ? SuccessBodies<R> : never
>;
/** The request body an operation takes; `unknown` where the document does not describe it. */
export type RequestBody<P extends ApiPath, M extends MethodOf<P>> =
  Operation<P, M> extends { requestBody: { content: { 'application/json': infer Body } } }
    ? Body
    : unknown;
type PathParams<O> = O extends { parameters: { path: infer Params } } ? Params : never;
type QueryParams<O> = O extends { parameters: { query?: infer Query } }
  ? Exclude<Query, undefined>
  : never;

/**
 * The options of {@link ApiClient.call}: the path's parameters (required when it has some), the
 * query parameters it takes (values may be given as the text the URL holds), the body it takes.
 */
export type CallOptions<P extends ApiPath, M extends MethodOf<P>> = Omit<
  RequestOptions,
  'query' | 'body'
> &
  ([PathParams<Operation<P, M>>] extends [never]
    ? { params?: never }
    : { params: PathParams<Operation<P, M>> }) & {
    query?: [QueryParams<Operation<P, M>>] extends [never]
      ? never
      : { [K in keyof QueryParams<Operation<P, M>>]?: QueryParams<Operation<P, M>>[K] | string };
    body?: RequestBody<P, M>;
  };

/** The options argument of a call: optional unless the path has parameters or a required option. */
type OptionsArgument<P extends ApiPath, M extends MethodOf<P>> =
  object extends CallOptions<P, M> ? [options?: CallOptions<P, M>] : [options: CallOptions<P, M>];
/** The paths the document gives a GET. */
type GetPath = { [P in ApiPath]: 'get' extends MethodOf<P> ? P : never }[ApiPath];

/** A path with its parameters put in: `{*}` (a JSON pointer) as it is, the others URL-encoded. */
export function pathOf(template: string, params: Record<string, string> = {}): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`The path ${template} needs its ${name}`);
    return name === '*' ? value.replace(/^\//, '') : encodeURIComponent(value);
  });
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Content type of `body` (default application/json). */
  contentType?: string;
  signal?: AbortSignal;
  /** Sent without the session's credential, and a 401 is final (login, refresh, logout). */
  anonymous?: boolean;
}

export interface ApiResponse<T> {
  status: number;
  body: T;
  etag: string | null;
}

/** Supplies the Authorization header, and is told when the server refused it. */
export interface CredentialSource {
  authorization(): string | null;
  /** The server answered 401: renew the credential if possible; true to try the request again. */
  rejected(): Promise<boolean>;
}

const anonymous: CredentialSource = { authorization: () => null, rejected: async () => false };

export class ApiClient {
  constructor(
    private readonly base = '',
    private credentials: CredentialSource = anonymous,
    private readonly fetcher: typeof fetch = (input, init) => fetch(input, init),
  ) {}

  useCredentials(credentials: CredentialSource): void {
    this.credentials = credentials;
  }

  /** The URL of an API path with its query (parameters that are undefined or empty are left out). */
  url(path: string, query: RequestOptions['query'] = {}): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query))
      if (value !== undefined && value !== '') params.set(key, String(value));
    const text = params.toString();
    return `${this.base}/api/2${path}${text ? `?${text}` : ''}`;
  }

  /**
   * Sends one request the OpenAPI document describes, typed by it; a non-2xx answer throws an
   * {@link ApiError} with the body's message.
   *
   * @example await api.call('get', '/webhooks/{id}/deliveries', { params: { id }, query: { limit: 50 } })
   */
  call<P extends ApiPath, M extends MethodOf<P>>(
    method: M,
    path: P,
    ...[options]: OptionsArgument<P, M>
  ): Promise<ApiResponse<ResponseBody<P, M>>> {
    const { params, ...rest } = (options ?? {}) as RequestOptions & {
      params?: Record<string, string>;
    };
    return this.request<ResponseBody<P, M>>(method.toUpperCase(), pathOf(path, params), rest);
  }

  /** GETs a path the OpenAPI document describes and answers its body. */
  async read<P extends GetPath>(
    path: P,
    ...options: OptionsArgument<P, 'get' & MethodOf<P>>
  ): Promise<ResponseBody<P, 'get' & MethodOf<P>>> {
    return (await this.call('get' as 'get' & MethodOf<P>, path, ...options)).body;
  }

  /**
   * Sends one request to a path built at run time (a JSON pointer into a thing, a message):
   * typed by the caller. Prefer {@link call} for a path the OpenAPI document names.
   */
  async request<T>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const send = () => {
      const headers: Record<string, string> = { ...options.headers };
      const authorization = options.anonymous ? null : this.credentials.authorization();
      if (authorization) headers.authorization = authorization;
      let body: string | undefined;
      if (options.body !== undefined) {
        headers['content-type'] = options.contentType ?? 'application/json';
        // A string under another content type is sent as it is; everything else as JSON.
        body =
          options.contentType && typeof options.body === 'string'
            ? options.body
            : JSON.stringify(options.body);
      }
      return this.fetcher(this.url(path, options.query), {
        method,
        headers,
        body,
        signal: options.signal,
      });
    };
    let response = await send();
    if (response.status === 401 && !options.anonymous && (await this.credentials.rejected()))
      response = await send();
    const text = await response.text();
    if (!response.ok && response.status !== 304) throw apiErrorOf(response.status, text);
    let body: unknown = undefined;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: response.status, body: body as T, etag: response.headers.get('etag') };
  }

  async get<T>(path: string, options?: RequestOptions): Promise<T> {
    return (await this.request<T>('GET', path, options)).body;
  }
}

export { ApiError };
