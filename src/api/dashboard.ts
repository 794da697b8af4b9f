// The dashboard's static files (the Vite build in ui/dist), public, with index.html for client-side routes.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

/** Text files worth compressing; fonts and images are compressed already. */
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.json', '.svg', '.txt']);
/** Smaller files go as they are (the headers would outweigh the saving). */
const MIN_COMPRESSED_BYTES = 1024;
type Encoding = 'br' | 'gzip';

/** The encoding to answer in: brotli, else gzip, when `accept-encoding` takes it (q above 0). */
export function encodingFor(accept: string | undefined): Encoding | null {
  const accepted = new Map<string, number>();
  for (const part of (accept ?? '').toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)).find(Boolean);
    accepted.set(name.trim(), q ? Number(q[1]) : 1);
  }
  const takes = (name: string) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  return takes('br') ? 'br' : takes('gzip') ? 'gzip' : null;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Paths that belong to the API, never to the dashboard (an unknown one stays a Ditto 404): any
 * that starts with `api` or `ws` in any case, so a mistyped `/api2/things` or `/API/2/things` is
 * a 404 rather than a page.
 */
const API_PATH = /^\/(api|ws)/i;
/** Not one slash first; `//`; a `.` or `..` segment; an encoded dot, slash, backslash or NUL; a backslash. */
const UNCLEAN_PATH = /^[^/]|\/\/|(^|\/)\.\.?(\/|$)|%(2e|2f|5c|00)|\\/i;

/** Where `vite build` writes the dashboard (the same two levels up from src/api and dist/api). */
export function builtDashboardDir(): string | null {
  const dir = fileURLToPath(new URL('../../ui/dist/', import.meta.url));
  return existsSync(join(dir, 'index.html')) ? dir : null;
}

/** Serves the files of a built dashboard to requests that matched no API route. */
export class Dashboard {
  private readonly root: string;
  /** Compressed files, made once per file version (the build replaces files, changing mtime). */
  private readonly compressed = new Map<string, { version: number; body: Promise<Buffer> }>();

  constructor(dir: string) {
    this.root = resolve(dir);
  }

  /** Whether a request that matched no route is the dashboard's (a GET or HEAD outside /api and /ws). */
  claims(request: FastifyRequest): boolean {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const path = pathOf(request.url);
    // Only plain paths: a dot segment, an empty segment or an encoded separator could name an API
    // resource once normalised by someone, and must stay an (authenticated) API 404.
    return !UNCLEAN_PATH.test(path) && !API_PATH.test(path);
  }

  /**
   * Answers with the file at the request's path, or index.html for a client-side route; text
   * files in brotli or gzip when the client takes it.
   */
  async serve(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    let path: string;
    try {
      path = decodeURIComponent(pathOf(request.url));
    } catch {
      path = '/';
    }
    const asked = normalize(join(this.root, path));
    const inside = asked.startsWith(this.root + sep) && !path.includes('\0');
    const isFile = inside && existsSync(asked) && statSync(asked).isFile();
    const file = isFile ? asked : join(this.root, 'index.html');
    // Vite names assets by their content hash: they never change; index.html always may.
    const immutable = isFile && asked.startsWith(join(this.root, 'assets') + sep);
    reply
      .code(200)
      .header('content-type', TYPES[extname(file)] ?? 'application/octet-stream')
      .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('x-content-type-options', 'nosniff');
    if (extname(file) === '.html')
      reply.header(
        'content-security-policy',
        "default-src 'self'; connect-src 'self' ws: wss:; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
      );
    const stat = statSync(file);
    if (COMPRESSIBLE.has(extname(file))) {
      reply.header('vary', 'accept-encoding');
      const encoding = encodingFor(request.headers['accept-encoding']);
      if (encoding && stat.size >= MIN_COMPRESSED_BYTES) {
        const body = await this.compressedFile(file, stat.mtimeMs, encoding);
        reply.header('content-encoding', encoding);
        return reply.send(request.method === 'HEAD' ? '' : body);
      }
    }
    return reply.send(request.method === 'HEAD' ? '' : createReadStream(file));
  }

  private compressedFile(file: string, version: number, encoding: Encoding): Promise<Buffer> {
    const key = `${encoding} ${file}`;
    const cached = this.compressed.get(key);
    if (cached && cached.version === version) return cached.body;
    const body = readFile(file).then((raw) =>
      encoding === 'br'
        ? brotli(raw, {
            params: {
              [constants.BROTLI_PARAM_QUALITY]: 11,
              [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
            },
          })
        : gzipped(raw, { level: 9 }),
    );
    // A failed read is not remembered: the next request tries again.
    body.catch(() => this.compressed.delete(key));
    this.compressed.set(key, { version, body });
    return body;
  }
}

function pathOf(url: string): string {
  const end = url.indexOf('?');
  return end === -1 ? url : url.slice(0, end);
}
