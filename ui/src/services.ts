// The app's shared services: the API client, the session and the live connection (one of each).
import { ApiClient } from './api/api-client.js';
import { LiveConnection } from './api/live-connection.js';
import { Session } from './api/session.js';

export const api = new ApiClient('');
export const session = new Session(api);
export const live = new LiveConnection((token) => {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}/ws/2?access_token=${encodeURIComponent(token)}`;
});
// A renewed JWT goes to the open socket (JWT-TOKEN); a new sign-in opens a new one.
session.onCredential((token, renewal) =>
  renewal && token ? live.renew(token) : live.connect(token),
);
