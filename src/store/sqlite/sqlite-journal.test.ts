// Runs the Journal contract against the SQLite adapter, plus SQLite-specific checks.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { journalContract } from '../journal.contract.js';
import type { Journal } from '../journal.js';
import { SqliteJournal } from './sqlite-journal.js';

const dirs: string[] = [];
const paths = new WeakMap<Journal, string>();

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const VARIANTS = [
  { durability: 'process', writerThread: false },
  { durability: 'power', writerThread: false },
  { durability: 'process', writerThread: true },
  { durability: 'power', writerThread: true },
] as const;

for (const { durability, writerThread } of VARIANTS) {
  journalContract(`sqlite (${durability}${writerThread ? ', writer thread' : ''})`, {
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'twinfold-journal-'));
      dirs.push(dir);
      const path = join(dir, 'journal.db');
      const journal = new SqliteJournal({ path, durability, writerThread });
      paths.set(journal, path);
      return journal;
    },
    async reopen(journal) {
      const path = paths.get(journal) as string;
      await journal.close();
      const reopened = new SqliteJournal({ path, durability, writerThread });
      paths.set(reopened, path);
      return reopened;
    },
  });
}
