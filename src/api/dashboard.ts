// The dashboard's static files (the Vite build in ui/dist), public, with index.html for client-side routes.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';

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

  /** Answers with the file at the request's path, or index.html for a client-side route. */
  serve(request: FastifyRequest, reply: FastifyReply): FastifyReply {
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
    return reply.send(request.method === 'HEAD' ? '' : createReadStream(file));
  }
}

function pathOf(url: string): string {
  const end = url.indexOf('?');
  return end === -1 ? url : url.slice(0, end);
}
