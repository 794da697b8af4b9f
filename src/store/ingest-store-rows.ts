// SQL shared by the IngestStore adapters: the WHERE clause of a dead-letter filter.
import type { DeadLetterFilter } from './ingest-store.js';

/** The WHERE clause and values of a dead-letter filter; `placeholder(n)` writes the n-th parameter. */
export function deadLetterWhere(
  filter: DeadLetterFilter & { after?: string; ids?: string[] },
  placeholder: (n: number) => string,
): { where: string; values: unknown[] } {
  const clauses: string[] = [];
  const values: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    values.push(value);
    clauses.push(sql.replace('?', placeholder(values.length)));
  };
  if (filter.specId !== undefined) add('spec_id = ?', filter.specId);
  if (filter.reason !== undefined) add('reason = ?', filter.reason);
  if (filter.since !== undefined) add('received >= ?', filter.since);
  if (filter.until !== undefined) add('received < ?', filter.until);
  if (filter.after !== undefined) add('id > ?', filter.after);
  if (filter.ids !== undefined) {
    const marks = filter.ids.map((id) => {
      values.push(id);
      return placeholder(values.length);
    });
    clauses.push(marks.length === 0 ? 'FALSE' : `id IN (${marks.join(', ')})`);
  }
  return { where: clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`, values };
}
