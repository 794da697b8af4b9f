// Dead letters: filtered by spec and reason (in the URL), inspected one by one, re-driven or purged.
import { RowViewport, useRowWindow, VirtualBody } from '../components/virtual-rows.js';
import type { ResponseBody } from '../api/api-client.js';
import type { DeadLetter } from '../api/api-types.js';
import { useEffect, useState } from 'preact/hooks';
import { ErrorMessage } from '../components/error-message.js';
import { api } from '../services.js';
import { Link } from '../shell/link.js';
import { href, navigate, type RouteProps } from '../shell/router.js';
import { TableHead } from '../components/table-head.js';

type DeadLetterPage = ResponseBody<'/ingest/deadletters', 'get'>;

/** Dead letters per page (the table is windowed: only those in view are drawn). */
const PAGE = 200;

export function DeadLettersPage({ query }: RouteProps) {
  const spec = query.get('spec') ?? '';
  const reason = query.get('reason') ?? '';
  const cursor = query.get('cursor') ?? '';
  const shown = query.get('id');
  const [letters, setLetters] = useState<DeadLetterPage | null>(null);
  const rows = useRowWindow(letters?.items.length ?? 0, 37, letters);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const [specDraft, setSpecDraft] = useState(spec);
  const [reasonDraft, setReasonDraft] = useState(reason);

  const filter = { spec: spec || undefined, reason: reason || undefined };

  useEffect(() => {
    api
      .read('/ingest/deadletters', {
        query: { ...filter, limit: PAGE, cursor: cursor || undefined },
      })
      .then(
        (page) => {
          setLetters(page);
          setError(null);
        },
        (caught: unknown) => setError(caught),
      );
  }, [spec, reason, cursor, version]);

  // The letter shown is read by its id, so a shared link shows it whatever page it is on.
  const [letter, setLetter] = useState<DeadLetter | null>(null);
  useEffect(() => {
    setLetter(null);
    if (!shown) return;
    api.read('/ingest/deadletters/{id}', { params: { id: shown } }).then(
      (found) => setLetter(found),
      (caught: unknown) => setError(caught),
    );
  }, [shown]);

  const go = (changes: Record<string, string | undefined>) =>
    navigate(href('/deadletters', { spec, reason, cursor, id: shown ?? undefined, ...changes }));

  const act = async (work: () => Promise<string>) => {
    try {
      setNotice(await work());
      setError(null);
    } catch (caught) {
      setNotice(null);
      setError(caught);
    }
    setVersion((v) => v + 1);
  };

  const redrive = (id?: string) =>
    act(async () => {
      const answer = id
        ? await api.call('post', '/ingest/deadletters/{id}/redrive', { params: { id } })
        : await api.call('post', '/ingest/deadletters/redrive', { query: filter });
      const { redriven, failed } = answer.body;
      return `Re-driven: ${redriven} succeeded (and were removed), ${failed} failed again (kept, one more attempt).`;
    });

  const purge = (id?: string) => {
    const what = id ? `the dead letter ${id}` : 'every dead letter this filter selects';
    if (!window.confirm(`Delete ${what}? Their payloads are lost.`)) return;
    void act(async () => {
      if (id) {
        await api.call('delete', '/ingest/deadletters/{id}', { params: { id } });
        return `Deleted ${id}.`;
      }
      const answer = await api.call('delete', '/ingest/deadletters', { query: filter });
      return `Purged ${answer.body.purged} dead letters.`;
    });
  };

  return (
    <section>
      <h1>Dead letters</h1>
      <p class="hint">
        Messages an <Link href="/ingest">ingest spec</Link> could not turn into twin changes, with
        the reason. Fix the spec (or the twin), then re-drive them.
      </p>
      <form
        class="search"
        aria-label="Filter the dead letters"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(href('/deadletters', { spec: specDraft.trim(), reason: reasonDraft.trim() }));
        }}
      >
        <label>
          Spec
          <input
            name="spec"
            value={specDraft}
            onInput={(e) => setSpecDraft(e.currentTarget.value)}
          />
        </label>
        <label>
          Reason
          <input
            name="reason"
            list="dead-letter-reasons"
            placeholder="e.g. value.missing"
            value={reasonDraft}
            onInput={(e) => setReasonDraft(e.currentTarget.value)}
          />
        </label>
        <datalist id="dead-letter-reasons">
          {[
            'payload.invalid',
            'thingid.unresolved',
            'value.missing',
            'value.invalid',
            'timestamp.invalid',
            'each.invalid',
            'thing.notfound',
          ].map((code) => (
            <option key={code} value={code} />
          ))}
        </datalist>
        <button type="submit">Filter</button>
        <button type="button" onClick={() => void redrive()}>
          Re-drive all shown by the filter
        </button>
        <button type="button" onClick={() => purge()}>
          Purge all shown by the filter
        </button>
      </form>
      <ErrorMessage error={error} />
      {notice && (
        <p class="notice" role="status" data-testid="dead-letter-notice">
          {notice}
        </p>
      )}
      {letters && (
        <RowViewport rows={rows} label="Dead letters">
          <table data-testid="dead-letters">
            <TableHead
              columns={['Received', 'Spec', 'Transport', 'Reason', 'Detail', 'Attempts']}
              actions
            />
            <VirtualBody
              rows={rows}
              items={letters.items}
              columns={7}
              row={(item) => (
                <tr key={item.id} aria-selected={item.id === shown}>
                  <td>
                    <Link href={href('/deadletters', { spec, reason, cursor, id: item.id })}>
                      {new Date(item.received).toLocaleString()}
                    </Link>
                  </td>
                  <td>{item.spec ?? ''}</td>
                  <td>
                    {item.transport}
                    {item.topic ? ` ${item.topic}` : ''}
                  </td>
                  <td>
                    <code>{item.reason}</code>
                  </td>
                  <td class="clip">{item.detail}</td>
                  <td>{item.attempts}</td>
                  <td>
                    <button
                      type="button"
                      class="small"
                      aria-label={`Re-drive ${item.id}`}
                      onClick={() => void redrive(item.id)}
                    >
                      re-drive
                    </button>{' '}
                    <button
                      type="button"
                      class="small"
                      aria-label={`Delete ${item.id}`}
                      onClick={() => purge(item.id)}
                    >
                      delete
                    </button>
                  </td>
                </tr>
              )}
            />
          </table>
        </RowViewport>
      )}
      {letters && letters.items.length === 0 && (
        <p data-testid="no-dead-letters">No dead letters{spec || reason ? ' match' : ''}.</p>
      )}
      {letters && (
        <div class="pager">
          {cursor && (
            <button type="button" onClick={() => go({ cursor: undefined, id: undefined })}>
              ← First page
            </button>
          )}
          <button
            type="button"
            disabled={!letters.cursor}
            onClick={() => go({ cursor: letters.cursor, id: undefined })}
          >
            Next page →
          </button>
        </div>
      )}
      {letter && (
        <div data-testid="dead-letter" class="past">
          <h2>
            Dead letter <code>{letter.id}</code>
          </h2>
          <p>
            <strong>{letter.reason}</strong>: {letter.detail}
          </p>
          <p class="meta">
            received {new Date(letter.received).toLocaleString()} over {letter.transport}
            {letter.topic ? ` (${letter.topic})` : ''} · spec{' '}
            {letter.spec ? (
              <Link href={href('/ingest', { spec: letter.spec })}>{letter.spec}</Link>
            ) : (
              'none'
            )}{' '}
            · {letter.attempts} re-drive attempts
          </p>
          <h3>Payload ({letter.encoding})</h3>
          <pre class="raw" data-testid="dead-letter-payload">
            {letter.payload}
          </pre>
          {Object.keys(letter.headers).length > 0 && (
            <>
              <h3>Headers</h3>
              <pre class="raw">{JSON.stringify(letter.headers, null, 2)}</pre>
            </>
          )}
        </div>
      )}
    </section>
  );
}
