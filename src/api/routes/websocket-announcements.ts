// START-SEND-POLICY-ANNOUNCEMENTS on the WebSocket: a session's subscription to Ditto's policy
// announcements (subjectDeletion), optionally limited to namespaces.
import type { Identity } from '../../auth/identity.js';
import { errors } from '../../core/error-registry.js';
import { isValidNamespace } from '../../core/ids.js';
import type {
  SubjectAnnouncements,
  SubjectDeletionAnnouncement,
} from '../../services/subject-announcements.js';

/**
 * Subscribes a session to policy announcements; `query` is the control message's `?…` (only
 * `namespaces`, a comma list, is known). Returns the subscription's stop; throws a 400 on a bad
 * parameter (nothing is subscribed then).
 */
export function subscribePolicyAnnouncements(
  announcements: SubjectAnnouncements,
  query: string | undefined,
  identity: () => Identity,
  send: (announcement: SubjectDeletionAnnouncement) => void,
): () => void {
  const params = new URLSearchParams(query?.slice(1) ?? '');
  let namespaces: Set<string> | null = null;
  for (const [key, value] of params) {
    if (key !== 'namespaces')
      throw errors.streamingParameterInvalid(
        key,
        'START-SEND-POLICY-ANNOUNCEMENTS takes only namespaces',
      );
    if (namespaces !== null)
      throw errors.streamingParameterInvalid(key, 'it is given more than once');
    const list = value.split(',').map((n) => n.trim());
    const bad = list.find((n) => !isValidNamespace(n));
    if (bad !== undefined)
      throw errors.streamingParameterInvalid(key, `'${bad}' is not a namespace`);
    namespaces = new Set(list);
  }
  return announcements.subscribe(identity, (announcement) => {
    const namespace = announcement.topic.slice(0, announcement.topic.indexOf('/'));
    if (namespaces === null || namespaces.has(namespace)) send(announcement);
  });
}
