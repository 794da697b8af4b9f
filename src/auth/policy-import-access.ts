// Who may import what: Ditto's policy-import pre-enforcement, for every way a policy is written.
import { errors } from '../core/error-registry.js';
import { namespaceOf } from '../core/thing.js';
import { inScope, type Identity } from './identity.js';
import type { Policy } from './policy-model.js';
import type { PolicyStore } from './policy-store.js';

/**
 * Who writes the imports `importIds` of `policy` must be able to READ, in each imported policy,
 * every entry it would import (its `implicit` ones and those the import lists), and something of
 * that policy at all (stricter than Ditto: else the answer would tell which ids exist). Who writes
 * the entries `labels` must be able to READ each imported entry they reference, which must exist
 * and not be `importable: never`. A policy that does not exist, or may not be seen, is a 404.
 * Administrators may import anything that exists.
 */
export function assertImportsReadable(
  policies: PolicyStore,
  identity: Identity,
  policy: Policy,
  importIds: readonly string[] = Object.keys(policy.imports),
  labels: readonly string[] = Object.keys(policy.entries),
): void {
  for (const importedId of importIds) {
    const imported = importedPolicy(policies, identity, importedId);
    if (identity.admin) continue;
    const source = policies.enforcer(importedId, identity.subjects);
    if (!source?.hasPartial('policy', [], 'READ'))
      throw errors.importedPolicyNotAccessible(importedId);
    const wanted = new Set(policy.imports[importedId]?.entries ?? []);
    for (const [label, entry] of Object.entries(imported.entries))
      if ((entry.importable ?? 'implicit') === 'implicit') wanted.add(label);
    for (const label of wanted)
      if (!source.hasUnrestricted('policy', ['entries', label], 'READ'))
        throw errors.importedPolicyNotAccessible(importedId);
  }
  for (const label of labels) {
    for (const ref of policy.entries[label]?.references ?? []) {
      if (ref.import === undefined) continue;
      const entry = importedPolicy(policies, identity, ref.import).entries[ref.entry];
      if (!entry)
        throw errors.policyImportInvalid(
          `A reference targets entry '${ref.entry}' of policy '${ref.import}' which does not exist.`,
          'Reference an entry the imported policy has.',
        );
      if (entry.importable === 'never')
        throw errors.policyImportInvalid(
          `A reference targets entry '${ref.entry}' of policy '${ref.import}' which is marked as importable='never'.`,
          'Reference an entry the imported policy lets others import.',
        );
      if (
        !identity.admin &&
        !policies
          .enforcer(ref.import, identity.subjects)
          ?.hasUnrestricted('policy', ['entries', ref.entry], 'READ')
      )
        throw errors.importedPolicyNotAccessible(ref.import);
    }
  }
}

/** An imported policy the requester may know of; 404 otherwise. */
function importedPolicy(policies: PolicyStore, identity: Identity, importedId: string): Policy {
  const stored = inScope(identity, namespaceOf(importedId)) ? policies.get(importedId) : null;
  if (!stored) throw errors.importedPolicyNotAccessible(importedId);
  return stored.policy;
}
