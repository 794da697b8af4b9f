// Overview: health, readiness and counts of twins, refreshed every few seconds.
import { useEffect, useState } from 'preact/hooks';
import { ErrorMessage } from '../components/error-message.js';
import { api } from '../services.js';

interface Overview {
  health: string;
  ready: boolean;
  twins: number;
}

export function OverviewPage() {
  const [overview, setOverview] = useState<Overview | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const load = async () => {
      try {
        const [health, ready, twins] = await Promise.all([
          fetch('/health').then((r) => (r.ok ? 'up' : `HTTP ${r.status}`)),
          fetch('/ready').then((r) => r.ok),
          api.get<number>('/search/things/count'),
        ]);
        setOverview({ health, ready, twins });
        setError(null);
      } catch (caught) {
        setError(caught);
      }
    };
    void load();
    const timer = setInterval(() => void load(), 5000);
    return () => clearInterval(timer);
  }, []);
  return (
    <section>
      <h1>Overview</h1>
      <ErrorMessage error={error} />
      {overview && (
        <dl class="cards">
          <div>
            <dt>Twins you may read</dt>
            <dd data-testid="twin-count">{overview.twins}</dd>
          </div>
          <div>
            <dt>Health</dt>
            <dd>{overview.health}</dd>
          </div>
          <div>
            <dt>Ready</dt>
            <dd>{overview.ready ? 'yes' : 'no'}</dd>
          </div>
        </dl>
      )}
    </section>
  );
}
