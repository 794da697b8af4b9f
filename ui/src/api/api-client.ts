// A small typed fetch wrapper over /api/2: credentials, JSON bodies, ETags, and errors as ApiError.
import { ApiError, apiErrorOf } from './api-error.js';

export interface RequestOptions {
  query?: Record<string, string | undefined>;
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
  url(path: string, query: Record<string, string | undefined> = {}): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query))
      if (value !== undefined && value !== '') params.set(key, value);
    const text = params.toString();
    return `${this.base}/api/2${path}${text ? `?${text}` : ''}`;
  }

  /**
   * Sends one request; a non-2xx answer throws an {@link ApiError} with the body's message.
   *
   * @example await api.request<Thing>('GET', `/things/${encodeURIComponent(id)}`)
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
