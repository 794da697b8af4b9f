// Sends a Ditto message to a twin (or one of its features) and shows the device's answer or the timeout.
import { useState } from 'preact/hooks';
import { ErrorMessage } from './error-message.js';
import { api } from '../services.js';

type Kind = 'json' | 'text';

export function SendMessage({ thingId, featureIds }: { thingId: string; featureIds: string[] }) {
  const [subject, setSubject] = useState('');
  const [featureId, setFeatureId] = useState('');
  const [kind, setKind] = useState<Kind>('json');
  const [body, setBody] = useState('{}');
  const [timeout, setTimeoutSeconds] = useState('10');
  const [answer, setAnswer] = useState<{ status: number; body: unknown } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [sending, setSending] = useState(false);

  const send = async (event: Event) => {
    event.preventDefault();
    setAnswer(null);
    setError(null);
    if (kind === 'json') {
      try {
        JSON.parse(body);
      } catch (caught) {
        setError(new Error(`The message is not JSON: ${(caught as Error).message}`));
        return;
      }
    }
    const feature = featureId ? `/features/${encodeURIComponent(featureId)}` : '';
    const path = `/things/${encodeURIComponent(thingId)}${feature}/inbox/messages/${encodeURIComponent(subject.trim())}`;
    setSending(true);
    try {
      const response = await api.request('POST', path, {
        body,
        contentType: kind === 'json' ? 'application/json' : 'text/plain',
        query: { timeout: timeout.trim() ? `${timeout.trim()}s` : undefined },
      });
      setAnswer({ status: response.status, body: response.body });
    } catch (caught) {
      setError(caught);
    } finally {
      setSending(false);
    }
  };

  return (
    <form class="create" onSubmit={send} aria-label="Send a message">
      <p class="hint">
        Sends a message to the twin's inbox; a device subscribed over <code>/ws/2</code> (
        <code>START-SEND-MESSAGES</code>) answers it. Timeout 0 sends without waiting.
      </p>
      <label>
        Subject
        <input
          name="subject"
          required
          value={subject}
          onInput={(e) => setSubject(e.currentTarget.value)}
        />
      </label>
      <label>
        To
        <select
          name="feature"
          value={featureId}
          onChange={(e) => setFeatureId(e.currentTarget.value)}
        >
          <option value="">the twin</option>
          {featureIds.map((id) => (
            <option key={id} value={id}>
              feature {id}
            </option>
          ))}
        </select>
      </label>
      <label>
        Content type
        <select
          name="content-type"
          value={kind}
          onChange={(e) => setKind(e.currentTarget.value as Kind)}
        >
          <option value="json">application/json</option>
          <option value="text">text/plain</option>
        </select>
      </label>
      <label>
        Message
        <textarea
          rows={4}
          spellcheck={false}
          value={body}
          onInput={(e) => setBody(e.currentTarget.value)}
        />
      </label>
      <label>
        Wait for the answer (seconds)
        <input
          name="timeout"
          inputMode="numeric"
          value={timeout}
          onInput={(e) => setTimeoutSeconds(e.currentTarget.value)}
        />
      </label>
      <button type="submit" class="primary" disabled={sending}>
        {sending ? 'Waiting for the answer…' : 'Send'}
      </button>
      <ErrorMessage error={error} testId="message-error" />
      {answer && (
        <div class="notice" role="status" data-testid="message-answer">
          Answer {answer.status}
          {answer.body !== undefined && (
            <pre class="raw">
              {typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body, null, 2)}
            </pre>
          )}
        </div>
      )}
    </form>
  );
}
