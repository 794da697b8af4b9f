// Policies in memory, persisted in the catalog; compiled enforcers cached per subject set.
import { errors } from '../core/error-registry.js';
import type { Catalog, PolicyHistoryPoint } from '../store/catalog.js';
import { PolicyEnforcer } from './policy-enforcer.js';
import {
  normalisePolicy,
  type Policy,
  type PolicyEntry,
  type PolicySubject,
} from './policy-model.js';
import { needsResolution, resolvePolicy } from './policy-resolution.js';
import {
  DEFAULT_ANNOUNCEMENT_GRANULARITY_MS,
  DEFAULT_SUBJECT_EXPIRY_GRANULARITY_MS,
  withRoundedExpiries,
} from './subject-expiry.js';

export interface StoredPolicy {
  policy: Policy;
  revision: number;
  created: number;
  modified: number;
  /** When its first subject expires (epoch ms), so that it is removed then; Infinity if never. */
  nextExpiry?: number;
}

/** A policy's entries as enforced (imports and references resolved), with its compiled enforcers. */
interface Compiled {
  entries: Iterable<PolicyEntry>;
  /** By label; null when the policy needs no resolution (its entries are its own). */
  resolved: Map<string, PolicyEntry> | null;
  /** The policies it was resolved from, as they were: a change to one of them recompiles it. */
  sources: [string, StoredPolicy | null][];
  /** Some entry is restricted to namespaces: enforcers are per thing namespace too. */
  namespaced: boolean;
  enforcers: Map<string, PolicyEnforcer>;
}

function firstExpiry(policy: Policy): number {
  let first = Infinity;
  for (const entry of Object.values(policy.entries)) {
    for (const subject of Object.values(entry.subjects))
      if (subject.expiry !== undefined) first = Math.min(first, Date.parse(subject.expiry));
  }
  return first;
}

/** `policy` without the subjects expired at `now`. */
function withoutExpired(policy: Policy, now: number): Policy {
  const entries: Policy['entries'] = {};
  for (const [label, entry] of Object.entries(policy.entries)) {
    const subjects = Object.fromEntries(
      Object.entries(entry.subjects).filter(
        ([, s]) => s.expiry === undefined || Date.parse(s.expiry) > now,
      ),
    );
    entries[label] = { ...entry, subjects };
  }
  return { ...policy, entries };
}

/** One subject taken out of a policy: because its expiry passed, or by a write or a deletion. */
export interface RemovedSubject {
  label: string;
  subjectId: string;
  subject: PolicySubject;
  reason: 'expired' | 'deleted';
}

/** The subjects a new revision of a policy no longer has (after its deletion: all of them). */
export interface SubjectsRemoved {
  policyId: string;
  revision: number;
  removed: RemovedSubject[];
}

export interface PolicyStoreOptions {
  /** Largest policy JSON in bytes. */
  maxBytes?: number;
  /** Ditto's `subject-expiry-granularity`: expiries round up to it (default 1 h; 0 = as given). */
  subjectExpiryGranularityMs?: number;
  /** Ditto's `subject-deletion-announcement-granularity` for `beforeExpiry` (default 1 min). */
  announcementGranularityMs?: number;
}

/** Subjects of `before` that `after` (null: none) lacks, by entry. */
function removedSubjects(
  before: Policy,
  after: Policy | null,
  reason: RemovedSubject['reason'],
): RemovedSubject[] {
  const removed: RemovedSubject[] = [];
  for (const [label, entry] of Object.entries(before.entries)) {
    const kept = after?.entries[label]?.subjects ?? {};
    for (const [subjectId, subject] of Object.entries(entry.subjects))
      if (!(subjectId in kept)) removed.push({ label, subjectId, subject, reason });
  }
  return removed;
}

/** Compiled enforcers kept per policy revision (one per distinct set of requesting subjects). */
const ENFORCERS_PER_POLICY = 1_000;
const DEFAULT_MAX_POLICY_BYTES = 100 * 1024;

export class PolicyStore {
  private readonly policies = new Map<string, StoredPolicy>();
  /** Revisions of deleted policies, so a re-created policy continues its revision. */
  private readonly deletedRevisions = new Map<string, number>();
  /** Per stored revision of a policy, so that replacing or deleting it drops its enforcers too. */
  private readonly compiled = new WeakMap<StoredPolicy, Compiled>();
  /** Catalog writes, one at a time and in order (client writes and expiry removals alike). */
  private writes: Promise<unknown> = Promise.resolve();
  /** Policies being deleted: they still govern their things, but no thing may take them on. */
  private readonly deleting = new Set<string>();

  /** Policies with a subject that expires: what the expiry timer looks at. */
  private readonly expiring = new Set<string>();
  private readonly removalListeners: ((removal: SubjectsRemoved) => void)[] = [];
  private readonly tickListeners: (() => void)[] = [];
  private expiryTimer: NodeJS.Timeout | null = null;
  /** Largest policy JSON in bytes. */
  readonly maxBytes: number;
  private readonly granularityMs: number;
  private readonly announcementGranularityMs: number;

  constructor(
    private readonly catalog: Catalog,
    private readonly now: () => number = Date.now,
    options: PolicyStoreOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_POLICY_BYTES;
    this.granularityMs =
      options.subjectExpiryGranularityMs ?? DEFAULT_SUBJECT_EXPIRY_GRANULARITY_MS;
    this.announcementGranularityMs =
      options.announcementGranularityMs ?? DEFAULT_ANNOUNCEMENT_GRANULARITY_MS;
  }

  /** Calls `listener` with the subjects each new revision (or deletion) of a policy takes out. */
  onSubjectsRemoved(listener: (removal: SubjectsRemoved) => void): void {
    this.removalListeners.push(listener);
  }

  /** Calls `listener` on every tick of the expiry timer, after expired subjects are removed. */
  onTick(listener: () => void): void {
    this.tickListeners.push(listener);
  }

  /** The store's clock (epoch ms). */
  time(): number {
    return this.now();
  }

  private announceRemoval(removal: SubjectsRemoved): void {
    if (removal.removed.length === 0) return;
    for (const listener of this.removalListeners) {
      try {
        listener(removal);
      } catch {
        // A listener's failure is its own: the policy change stands.
      }
    }
  }

  /** Keeps `expiring` in step with a policy's current revision (null: deleted). */
  private track(policyId: string, stored: StoredPolicy | null): void {
    if (stored && stored.nextExpiry !== undefined && stored.nextExpiry !== Infinity)
      this.expiring.add(policyId);
    else this.expiring.delete(policyId);
  }

  /**
   * Removes expired subjects every `intervalMs` (as Ditto deletes them at their expiry, not only
   * when the policy is next used): each removal is a new revision, written and announced.
   */
  startExpiryTimer(intervalMs = 1000): void {
    this.stopExpiryTimer();
    this.expiryTimer = setInterval(() => {
      this.removeAllExpired();
      for (const listener of this.tickListeners) {
        try {
          listener();
        } catch {
          // A listener's failure must not stop the timer.
        }
      }
    }, intervalMs);
    this.expiryTimer.unref();
  }

  stopExpiryTimer(): void {
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    this.expiryTimer = null;
  }

  /** Removes the subjects expired by now from every policy; returns how many policies changed. */
  removeAllExpired(): number {
    const now = this.now();
    let changed = 0;
    for (const policyId of [...this.expiring]) {
      const stored = this.policies.get(policyId);
      if (!stored) {
        this.expiring.delete(policyId);
        continue;
      }
      if ((stored.nextExpiry ?? Infinity) <= now) {
        this.removeExpired(stored, now);
        changed++;
      }
    }
    return changed;
  }

  /** The current policies with a subject that expires (for announcements before expiry). */
  *withExpiringSubjects(): Iterable<StoredPolicy> {
    for (const policyId of this.expiring) {
      const stored = this.policies.get(policyId);
      if (stored) yield stored;
    }
  }

  async load(): Promise<number> {
    for (const record of await this.catalog.listPolicies()) {
      if (record.json === null) {
        this.deletedRevisions.set(record.policyId, record.revision);
        continue;
      }
      const { revision, created, modified } = record;
      const policy = normalisePolicy(JSON.parse(record.json) as Policy);
      const stored = { policy, revision, created, modified, nextExpiry: firstExpiry(policy) };
      this.policies.set(record.policyId, stored);
      this.track(record.policyId, stored);
    }
    return this.policies.size;
  }

  /** The current policy; a subject whose expiry has passed is removed first (a new revision). */
  get(policyId: string): StoredPolicy | null {
    const stored = this.policies.get(policyId);
    if (!stored) return null;
    if (stored.nextExpiry === undefined || stored.nextExpiry === Infinity) return stored;
    const now = this.now();
    return stored.nextExpiry <= now ? this.removeExpired(stored, now) : stored;
  }

  /**
   * Removes expired subjects, as Ditto deletes them at their expiry: the policy gets a new
   * revision at once (reads see it), written to the catalog in order with every other write.
   */
  private removeExpired(stored: StoredPolicy, now: number): StoredPolicy {
    const policy = withoutExpired(stored.policy, now);
    const next: StoredPolicy = {
      policy,
      revision: stored.revision + 1,
      created: stored.created,
      modified: now,
      nextExpiry: firstExpiry(policy),
    };
    this.policies.set(policy.policyId, next);
    this.track(policy.policyId, next);
    const record = {
      policyId: policy.policyId,
      revision: next.revision,
      created: next.created,
      modified: now,
      json: JSON.stringify(policy),
    };
    // Nothing waits for this write; a failure leaves the expired subject on disk, where it counts
    // for nothing and is removed again on the next start.
    this.serially(() => this.catalog.putPolicy(record)).catch(() => undefined);
    this.announceRemoval({
      policyId: policy.policyId,
      revision: next.revision,
      removed: removedSubjects(stored.policy, policy, 'expired'),
    });
    return next;
  }

  /**
   * The policy as it was at a revision or an instant, from the catalog's history; null when it
   * did not exist then (or was deleted). Subjects expired by now are removed first, and every
   * write so far is waited for, so the history holds what reads have seen.
   */
  async at(policyId: string, point: PolicyHistoryPoint): Promise<StoredPolicy | null> {
    this.get(policyId);
    await this.writes;
    const record = await this.catalog.policyAt(policyId, point);
    if (record === null || record.json === null) return null;
    const { revision, created, modified } = record;
    return {
      policy: normalisePolicy(JSON.parse(record.json) as Policy),
      revision,
      created,
      modified,
    };
  }

  /** Runs catalog writes one after the other. */
  private serially<T>(write: () => Promise<T>): Promise<T> {
    const result = this.writes.then(write);
    this.writes = result.catch(() => undefined);
    return result;
  }

  /** Ids of the policies that import `policyId` directly. */
  importersOf(policyId: string): string[] {
    const result: string[] = [];
    for (const [id, stored] of this.policies)
      if (policyId in stored.policy.imports) result.push(id);
    return result;
  }

  /**
   * The entries `policyId` enforces, by label: its own, those it imports (as
   * `imported-<policyId>-<label>`) and its references materialised; null when it does not exist.
   */
  resolvedEntries(policyId: string): Map<string, PolicyEntry> | null {
    const stored = this.get(policyId);
    if (!stored) return null;
    const compiled = this.compiledOf(stored);
    return compiled.resolved ?? new Map(Object.entries(stored.policy.entries));
  }

  private compiledOf(stored: StoredPolicy): Compiled {
    const cached = this.compiled.get(stored);
    if (cached && cached.sources.every(([id, was]) => (this.policies.get(id) ?? null) === was))
      return cached;
    const sources: [string, StoredPolicy | null][] = [];
    let resolved: Map<string, PolicyEntry> | null = null;
    if (needsResolution(stored.policy)) {
      resolved = resolvePolicy(stored.policy, (id) => {
        const source = this.get(id);
        sources.push([id, source]);
        return source?.policy ?? null;
      });
    }
    const entries = resolved ? [...resolved.values()] : Object.values(stored.policy.entries);
    const compiled: Compiled = {
      entries,
      resolved,
      sources,
      namespaced: entries.some((e) => (e.namespaces?.length ?? 0) > 0),
      enforcers: new Map(),
    };
    this.compiled.set(stored, compiled);
    return compiled;
  }

  /** Whether a thing may be given this policy now: it exists and is not being deleted. */
  referable(policyId: string): boolean {
    return this.policies.has(policyId) && !this.deleting.has(policyId);
  }

  /**
   * The policy, imports included, compiled for these subjects and, for a thing, its namespace
   * (entries restricted to other namespaces do not count); null when the policy does not exist.
   * A change to an imported policy recompiles every policy importing it on its next use.
   */
  enforcer(
    policyId: string,
    subjects: readonly string[],
    namespace?: string,
  ): PolicyEnforcer | null {
    const stored = this.get(policyId);
    if (!stored) return null;
    const compiled = this.compiledOf(stored);
    const scoped = compiled.namespaced ? namespace : undefined;
    const key = scoped === undefined ? subjects.join('\n') : `${subjects.join('\n')}\n\n${scoped}`;
    const { enforcers } = compiled;
    const cached = enforcers.get(key);
    // The clock is read only for an enforcer whose subjects expire (most never do).
    if (cached && (cached.validUntil === Infinity || this.now() < cached.validUntil)) return cached;
    if (enforcers.size >= ENFORCERS_PER_POLICY) enforcers.clear();
    const enforcer = new PolicyEnforcer(compiled.entries, subjects, this.now(), scoped);
    enforcers.set(key, enforcer);
    return enforcer;
  }

  /** Creates or replaces a policy; refuses one that would lock everybody out of it. */
  async put(given: Policy): Promise<{ created: boolean; revision: number; policy: Policy }> {
    // As Ditto: expiries round up to the granularity first, and only then must lie ahead.
    const policy = withRoundedExpiries(given, this.granularityMs, this.announcementGranularityMs);
    assertNotLockedOut(policy);
    assertNoPastExpiry(policy, this.now());
    const json = JSON.stringify(policy);
    const bytes = Buffer.byteLength(json);
    if (bytes > this.maxBytes) throw errors.policyTooLarge(bytes, this.maxBytes);
    return this.serially(async () => {
      const existing = this.policies.get(policy.policyId);
      const now = this.now();
      const revision = (existing?.revision ?? this.deletedRevisions.get(policy.policyId) ?? 0) + 1;
      const stored: StoredPolicy = {
        policy,
        revision,
        created: existing?.created ?? now,
        modified: now,
        nextExpiry: firstExpiry(policy),
      };
      await this.catalog.putPolicy({
        policyId: policy.policyId,
        revision,
        created: stored.created,
        modified: now,
        json,
      });
      this.policies.set(policy.policyId, stored);
      this.track(policy.policyId, stored);
      this.deletedRevisions.delete(policy.policyId);
      if (existing)
        this.announceRemoval({
          policyId: policy.policyId,
          revision,
          removed: removedSubjects(existing.policy, policy, 'deleted'),
        });
      return { created: !existing, revision, policy };
    });
  }

  /**
   * Deletes a policy. `assertUnused` runs first and may refuse by throwing; while it runs and the
   * deletion is written, the policy is not `referable`, so no thing can take it on meanwhile.
   */
  async delete(policyId: string, assertUnused?: () => Promise<void>): Promise<void> {
    if (!this.policies.has(policyId) || this.deleting.has(policyId))
      throw errors.policyNotFound(policyId);
    this.deleting.add(policyId);
    try {
      await assertUnused?.();
      // Unlike Ditto, which lets importers silently lose the entries: whoever re-created the id
      // would otherwise grant through every policy importing it.
      const importers = this.importersOf(policyId);
      if (importers.length > 0) throw errors.policyImported(policyId, importers.length);
      await this.serially(async () => {
        const existing = this.policies.get(policyId);
        if (!existing) throw errors.policyNotFound(policyId);
        const now = this.now();
        const revision = existing.revision + 1;
        await this.catalog.putPolicy({
          policyId,
          revision,
          created: existing.created,
          modified: now,
          json: null,
        });
        this.policies.delete(policyId);
        this.track(policyId, null);
        this.deletedRevisions.set(policyId, revision);
        this.announceRemoval({
          policyId,
          revision,
          removed: removedSubjects(existing.policy, null, 'deleted'),
        });
      });
    } finally {
      this.deleting.delete(policyId);
    }
  }
}

/** As Ditto: a subject may not be given an expiry that has already passed. */
export function assertNoPastExpiry(policy: Policy, now: number): void {
  for (const entry of Object.values(policy.entries)) {
    for (const subject of Object.values(entry.subjects))
      if (subject.expiry !== undefined && Date.parse(subject.expiry) <= now)
        throw errors.subjectExpiryInvalid(subject.expiry);
  }
}

/**
 * Ditto's lock-out prevention: some permanent subject must be granted WRITE on `policy:/` by one
 * entry and not revoked it there by any entry.
 */
export function assertNotLockedOut(policy: Policy): void {
  const granted = new Set<string>();
  const revoked = new Set<string>();
  for (const entry of Object.values(policy.entries)) {
    const resource = entry.resources['policy:/'];
    if (!resource) continue;
    for (const [id, subject] of Object.entries(entry.subjects)) {
      if (resource.grant.includes('WRITE') && subject.expiry === undefined) granted.add(id);
      if (resource.revoke.includes('WRITE')) revoked.add(id);
    }
  }
  if (![...granted].some((id) => !revoked.has(id)))
    throw errors.policyModificationInvalid(policy.policyId);
}
