// Where the team's shared files (data, mirrors of other repositories) are found from a clone.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workspace of the machines that run this, for clones made elsewhere (such as CI's). */
export const WORKSPACE = '/work';

/** The folders above `dir`, nearest first, then the workspace: where shared files are looked for. */
export function sharedRootsFor(dir: string): string[] {
  const found: string[] = [];
  for (let at = dirname(dir); ; at = dirname(at)) {
    found.push(at);
    if (dirname(at) === at) break;
  }
  return found.includes(WORKSPACE) ? found : [...found, WORKSPACE];
}

const REPO = dirname(dirname(fileURLToPath(import.meta.url)));

/**
 * The path of a file of the shared data (`shared/data/<parts…>`, see its README) as found from this
 * clone, or null when no shared folder holds it.
 */
export function sharedDataPath(...parts: string[]): string | null {
  for (const root of sharedRootsFor(REPO)) {
    const candidate = join(root, 'shared', 'data', ...parts);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}
