// Where the team's shared files (data, mirrors of other repositories) are found from a clone.
import { dirname } from 'node:path';

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
