// What the benchmarks of one run share: a temporary root, seeded data dirs, and measured figures.
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { note } from './report.js';
import { seedDataDir } from './seed.js';

export class BenchContext {
  readonly root = mkdtempSync(join(tmpdir(), 'twinfold-bench-'));
  /** Max write throughput (req/s) measured by the write benchmark in this run, if it ran. */
  maxWriteRate: number | null = null;
  private readonly seeded = new Map<number, Promise<string>>();
  private dirs = 0;

  /** A fresh empty directory under the run's root. */
  async freshDir(label: string): Promise<string> {
    const dir = join(this.root, `${label}-${++this.dirs}`);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /**
   * A data dir holding `count` benchmark twins, seeded once per run and shared by the benchmarks
   * that only read it. Writers must use `freshSeededDir`.
   */
  sharedSeededDir(count: number): Promise<string> {
    let dir = this.seeded.get(count);
    if (!dir) {
      dir = this.freshSeededDir(count, false);
      this.seeded.set(count, dir);
    }
    return dir;
  }

  /** A new data dir with `count` twins (with feature `f` when `withF`; naming `definition`). */
  async freshSeededDir(count: number, withF: boolean, definition?: string): Promise<string> {
    const dir = await this.freshDir(`seed-${count}`);
    const seconds = await seedDataDir(dir, count, withF, definition);
    note(`seeded ${count.toLocaleString('en-US')} twins in ${seconds.toFixed(1)} s (${dir})`);
    return dir;
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
