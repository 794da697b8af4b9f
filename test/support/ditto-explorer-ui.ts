// Builds Eclipse Ditto's Explorer UI (`ui/` of eclipse-ditto/ditto) from a local git mirror into a cache, never into the repo.
//
// The mirror is the git directory TWINFOLD_DITTO_GIT_DIR, or `.mirror/eclipse-ditto+ditto/repo` in
// a folder above the repository. The UI's sources of the mirror's HEAD are exported to
// <tmp>/twinfold-ditto-explorer-ui/<commit>/ui, its dependencies installed from the npm registry
// and bundled with its own esbuild; a second run finds the build there.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { sharedRootsFor } from '../../scripts/workspace.js';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The git directory of a local eclipse-ditto/ditto mirror, or null. */
export function dittoGitDir(): string | null {
  const configured = process.env.TWINFOLD_DITTO_GIT_DIR;
  if (configured) return existsSync(configured) ? configured : null;
  for (const dir of sharedRootsFor(REPO)) {
    const candidate = join(dir, '.mirror', 'eclipse-ditto+ditto', 'repo');
    if (existsSync(join(candidate, 'HEAD'))) return candidate;
  }
  return null;
}

/** A built Explorer UI: the folder holding index.html and dist/, and what the build changed. */
export interface ExplorerUiBuild {
  /** The folder to serve (index.html, dist/main.js, dist/main.css). */
  root: string;
  commit: string;
  /** Build-time substitutions forced by this machine's registry, for the test to report. */
  substitutions: string[];
}

/**
 * esbuild's bundling of the UI as its build.mjs does it (`main.ts`, the sass plugin, HTML as
 * text, minified), plus, when ace-diff 3 stands in for 4, the subpath `ace-diff/styles` that
 * only ace-diff 4 exports.
 */
const BUILD_SCRIPT = `import * as esbuild from 'esbuild';
import {sassPlugin} from 'esbuild-sass-plugin';
import {createRequire} from 'node:module';
const require = createRequire(import.meta.url);
const aceDiffStyles = {name: 'ace-diff-styles', setup(build) {
  build.onResolve({filter: /^ace-diff\\/styles$/}, () => {
    try { return {path: require.resolve('ace-diff/styles')}; }
    catch { return {path: require.resolve('ace-diff/dist/ace-diff.min.css')}; }
  });
}};
await esbuild.build({entryPoints: ['main.ts'], bundle: true, outdir: 'dist', loader: {'.html': 'text'},
  plugins: [aceDiffStyles, sassPlugin()], minify: true, logLevel: 'error'});
`;

function run(command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 600_000 });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed in ${cwd}: ${result.stderr || result.stdout || result.error}`,
    );
  }
}

/** Whether the npm registry has `spec` (a package@version). */
function registryHas(spec: string): boolean {
  const result = spawnSync('npm', ['view', spec, 'version'], { encoding: 'utf8', timeout: 60_000 });
  return result.status === 0 && result.stdout.trim() !== '';
}

/** Builds the UI of the mirror's HEAD (or finds it built) and returns where it is. */
export function buildExplorerUi(gitDir: string): ExplorerUiBuild {
  const commit = execFileSync('git', ['--git-dir', gitDir, 'rev-parse', 'HEAD'], {
    encoding: 'utf8',
  }).trim();
  const cache = join(tmpdir(), 'twinfold-ditto-explorer-ui', commit);
  const root = join(cache, 'ui');
  const notes = join(cache, 'substitutions.json');
  if (existsSync(join(root, 'dist', 'main.js')) && existsSync(notes)) {
    return { root, commit, substitutions: JSON.parse(readFileSync(notes, 'utf8')) as string[] };
  }
  const work = `${cache}.building-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const archive = execFileSync('git', ['--git-dir', gitDir, 'archive', commit, 'ui'], {
    maxBuffer: 256 * 1024 * 1024,
  });
  execFileSync('tar', ['-x', '-C', work], { input: archive });
  const ui = join(work, 'ui');
  const substitutions: string[] = [];
  const manifestPath = join(ui, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const aceDiff = manifest.dependencies['ace-diff'];
  if (aceDiff && !registryHas(`ace-diff@${aceDiff}`)) {
    // The registry this machine reaches lacks ace-diff 4.0.0 (the diff view's editor); 3.3.0 has
    // the same API but no `ace-diff/styles` export, which the build script resolves instead.
    manifest.dependencies['ace-diff'] = '3.3.0';
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
    substitutions.push(`ace-diff ${aceDiff} is not in the npm registry here: built with 3.3.0`);
  }
  run(
    'npm',
    substitutions.length === 0
      ? ['ci', '--no-audit', '--no-fund']
      : ['install', '--no-audit', '--no-fund'],
    ui,
  );
  writeFileSync(join(ui, 'build-twinfold-test.mjs'), BUILD_SCRIPT);
  run(process.execPath, ['build-twinfold-test.mjs'], ui);
  writeFileSync(join(work, 'substitutions.json'), JSON.stringify(substitutions));
  rmSync(cache, { recursive: true, force: true });
  renameSync(work, cache);
  return { root, commit, substitutions };
}
