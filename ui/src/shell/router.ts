// Client-side routing over the History API: the current location as a store, and a route table matcher.
import type { ComponentType } from 'preact';
import { Store } from '../api/store.js';

export interface Location {
  path: string;
  query: URLSearchParams;
}

function current(): Location {
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search) };
}

export const location = new Store<Location>(current());
window.addEventListener('popstate', () => location.set(current()));

/** Goes to an in-app URL (`/twins?filter=…`); `replace` keeps the history entry. */
export function navigate(url: string, replace = false): void {
  if (replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  location.set(current());
}

/** A URL of a path and query parameters (empty ones left out). */
export function href(path: string, query: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export interface RouteProps {
  params: Record<string, string>;
  query: URLSearchParams;
}

/** One page of the dashboard: later capabilities add theirs to the table in routes.ts. */
export interface Route {
  /** A pattern like `/twins/:thingId`. */
  path: string;
  title: string;
  /** Shown in the navigation (routes with parameters are reached through links). */
  nav?: boolean;
  component: ComponentType<RouteProps>;
}

/** The first route whose pattern matches a path, with its decoded parameters. */
export function match(
  routes: Route[],
  path: string,
): { route: Route; params: Record<string, string> } | null {
  const parts = path.replace(/\/+$/, '').split('/');
  for (const route of routes) {
    const pattern = route.path.replace(/\/+$/, '').split('/');
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const ok = pattern.every((segment, i) => {
      if (segment.startsWith(':')) {
        try {
          params[segment.slice(1)] = decodeURIComponent(parts[i]);
        } catch {
          return false;
        }
        return parts[i] !== '';
      }
      return segment === parts[i];
    });
    if (ok) return { route, params };
  }
  return null;
}
