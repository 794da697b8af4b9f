// The dashboard's frame: navigation from the route table, the signed-in subject, live status, and the page.
import { useEffect } from 'preact/hooks';
import { useStore } from '../api/store.js';
import { SignInPage } from '../pages/sign-in-page.js';
import { routes } from '../routes.js';
import { live, session } from '../services.js';
import { Link } from './link.js';
import { location, match } from './router.js';

export function AppShell() {
  const state = useStore(session.state);
  const where = useStore(location);
  const status = useStore(live.status);
  const found = match(routes, where.path === '/' ? '/twins' : where.path);

  useEffect(() => {
    document.title = found ? `${found.route.title} · Twinfold` : 'Twinfold';
  }, [found?.route]);

  if (state.kind === 'signed-out') return <SignInPage />;
  if (state.kind === 'expired') return <SignInPage expired={state.reason} />;
  const Page = found?.route.component;
  return (
    <div class="shell">
      <header>
        <Link href="/" class="brand">
          Twinfold
        </Link>
        <nav aria-label="Main">
          {routes
            .filter((route) => route.nav)
            .map((route) => (
              <Link
                key={route.path}
                href={route.path}
                aria-current={found?.route === route ? 'page' : undefined}
              >
                {route.title}
              </Link>
            ))}
        </nav>
        <span
          class={`live live-${status}`}
          title="The live connection (/ws/2)"
          data-testid="live-status"
        >
          {status}
        </span>
        <span class="subject" data-testid="subject">
          {state.subject}
        </span>
        <button type="button" onClick={() => void session.signOut()}>
          Sign out
        </button>
      </header>
      <main>
        {Page && found ? (
          <Page params={found.params} query={where.query} />
        ) : (
          <section>
            <h1>Not found</h1>
            <p>
              No page is at <code>{where.path}</code>. <Link href="/twins">Go to the twins.</Link>
            </p>
          </section>
        )}
      </main>
    </div>
  );
}
