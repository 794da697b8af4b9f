// The dashboard's route table: every page, in navigation order. Later capabilities add theirs here.
import { AdminPage } from './pages/admin-page.js';
import { AlertsPage } from './pages/alerts-page.js';
import { ConnectionsPage } from './pages/connections-page.js';
import { DatacenterPage, DatacentersPage } from './pages/datacenter-page.js';
import { DeadLettersPage } from './pages/dead-letters-page.js';
import { IngestPage } from './pages/ingest-page.js';
import { ModelsPage } from './pages/models-page.js';
import { OverviewPage } from './pages/overview-page.js';
import { PoliciesPage, PolicyPage } from './pages/policy-page.js';
import { ReplaysPage } from './pages/replays-page.js';
import { SeriesPage } from './pages/series-page.js';
import { TwinPage } from './pages/twin-page.js';
import { TwinsPage } from './pages/twins-page.js';
import { TypesPage } from './pages/types-page.js';
import { WebhooksPage } from './pages/webhooks-page.js';
import type { Route } from './shell/router.js';

export const routes: Route[] = [
  { path: '/overview', title: 'Overview', nav: true, component: OverviewPage },
  { path: '/twins', title: 'Twins', nav: true, component: TwinsPage },
  { path: '/twins/:thingId', title: 'Twin', component: TwinPage },
  { path: '/types', title: 'Types', nav: true, component: TypesPage },
  { path: '/alerts', title: 'Alerts', nav: true, component: AlertsPage },
  { path: '/replays', title: 'Replays', nav: true, component: ReplaysPage },
  { path: '/series', title: 'Series', nav: true, component: SeriesPage },
  { path: '/models', title: 'Models & services', nav: true, component: ModelsPage },
  { path: '/datacenters', title: 'Datacenters', nav: true, component: DatacentersPage },
  { path: '/datacenters/:id', title: 'Datacenter', component: DatacenterPage },
  { path: '/policies', title: 'Policies', nav: true, component: PoliciesPage },
  { path: '/policies/:policyId', title: 'Policy', component: PolicyPage },
  { path: '/ingest', title: 'Ingest', nav: true, component: IngestPage },
  { path: '/deadletters', title: 'Dead letters', nav: true, component: DeadLettersPage },
  { path: '/webhooks', title: 'Webhooks', nav: true, component: WebhooksPage },
  { path: '/connections', title: 'Connections', nav: true, component: ConnectionsPage },
  { path: '/admin', title: 'Administration', nav: true, component: AdminPage },
];
