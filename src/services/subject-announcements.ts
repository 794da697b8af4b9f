// Ditto's policy announcements: `subjectDeletion` before a subject expires and when it is deleted,
// to the subscribers (WebSocket sessions) authenticated with that subject.
import { randomUUID } from 'node:crypto';
import type { Identity } from '../auth/identity.js';
import type { PolicySubject } from '../auth/policy-model.js';
import type { PolicyStore, SubjectsRemoved } from '../auth/policy-store.js';
import { instantString, parseDuration } from '../auth/subject-expiry.js';

/** A Ditto Protocol `policies/announcements/subjectDeletion` message. */
export interface SubjectDeletionAnnouncement {
  topic: string;
  headers: Record<string, string>;
  path: '/';
  value: { deleteAt: string; subjectIds: string[] };
}

interface Subscriber {
  identity: () => Identity;
  send: (announcement: SubjectDeletionAnnouncement) => void;
}

/** The subjects of one policy to be deleted at one instant. */
interface Due {
  policyId: string;
  deleteAt: number;
  subjectIds: string[];
}

/**
 * Publishes Ditto's subject deletion announcements: `beforeExpiry` ahead of a subject's expiry
 * (once per subject and expiry), `whenDeleted` when a write, a deletion of the policy or the
 * expiry itself removes it (unless it was announced before its expiry already). Each subscriber
 * gets the announcement of the subjects it is authenticated with, naming only those.
 */
export class SubjectAnnouncements {
  private readonly subscribers = new Set<Subscriber>();
  /** Subjects announced before their expiry: `policyId \n subjectId \n expiry`. */
  private readonly announced = new Set<string>();

  constructor(private readonly policies: PolicyStore) {
    policies.onSubjectsRemoved((removal) => this.removed(removal));
    policies.onTick(() => this.announceBeforeExpiry());
  }

  /** Starts delivering to a subscriber (Ditto's START-SEND-POLICY-ANNOUNCEMENTS); returns its stop. */
  subscribe(identity: () => Identity, send: Subscriber['send']): () => void {
    const subscriber: Subscriber = { identity, send };
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  /** Announces the subjects whose `beforeExpiry` time has come (run on the store's timer). */
  announceBeforeExpiry(): void {
    const now = this.policies.time();
    for (const stored of this.policies.withExpiringSubjects()) {
      const due = new Map<number, string[]>();
      for (const entry of Object.values(stored.policy.entries)) {
        for (const [subjectId, subject] of Object.entries(entry.subjects)) {
          const at = announceAt(subject);
          if (at === null || now < at.announce || now >= at.expiry) continue;
          const key = `${stored.policy.policyId}\n${subjectId}\n${at.expiry}`;
          if (this.announced.has(key)) continue;
          this.announced.add(key);
          due.set(at.expiry, [...(due.get(at.expiry) ?? []), subjectId]);
        }
      }
      for (const [deleteAt, subjectIds] of due)
        this.publish({ policyId: stored.policy.policyId, deleteAt, subjectIds });
    }
  }

  private removed({ policyId, removed }: SubjectsRemoved): void {
    const now = this.policies.time();
    const due = new Map<number, string[]>();
    for (const { subjectId, subject, reason } of removed) {
      const expiry = subject.expiry === undefined ? null : Date.parse(subject.expiry);
      const key = `${policyId}\n${subjectId}\n${expiry}`;
      const before = this.announced.delete(key);
      if (subject.announcement?.whenDeleted !== true) continue;
      if (reason === 'expired' && before) continue;
      const deleteAt = reason === 'expired' && expiry !== null ? expiry : now;
      due.set(deleteAt, [...(due.get(deleteAt) ?? []), subjectId]);
    }
    for (const [deleteAt, subjectIds] of due) this.publish({ policyId, deleteAt, subjectIds });
  }

  private publish({ policyId, deleteAt, subjectIds }: Due): void {
    const split = policyId.indexOf(':');
    const topic = `${policyId.slice(0, split)}/${policyId.slice(split + 1)}/policies/announcements/subjectDeletion`;
    for (const subscriber of this.subscribers) {
      const held = new Set(subscriber.identity().subjects);
      const theirs = subjectIds.filter((id) => held.has(id));
      if (theirs.length === 0) continue;
      subscriber.send({
        topic,
        headers: { 'correlation-id': randomUUID(), 'content-type': 'application/json' },
        path: '/',
        value: { deleteAt: instantString(deleteAt), subjectIds: theirs },
      });
    }
  }
}

/** When a subject's `beforeExpiry` announcement is due, and its expiry; null when it has none. */
function announceAt(subject: PolicySubject): { announce: number; expiry: number } | null {
  const before = subject.announcement?.beforeExpiry;
  if (subject.expiry === undefined || before === undefined) return null;
  const expiry = Date.parse(subject.expiry);
  return { announce: expiry - (parseDuration(before) ?? 0), expiry };
}
