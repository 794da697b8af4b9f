// Ditto's policy imports and entry references: the entries a policy enforces once they are resolved.
import { errors } from '../core/error-registry.js';
import {
  importedLabel,
  type AllowedAddition,
  type Policy,
  type PolicyEntry,
  type PolicyImport,
  type ResourcePermissions,
} from './policy-model.js';

/** Ditto's `PolicyImporter.MAX_TRANSITIVE_RESOLUTION_DEPTH`. */
export const MAX_TRANSITIVE_DEPTH = 10;

/** Looks a policy up by id; null when it does not exist. */
export type PolicyLoader = (policyId: string) => Policy | null;

/** Whether resolving `policy` can give anything but its own entries as they are. */
export function needsResolution(policy: Policy): boolean {
  if (Object.keys(policy.imports).length > 0) return true;
  for (const entry of Object.values(policy.entries)) if (entry.references?.length) return true;
  return false;
}

/**
 * The entries `policy` enforces, by label, as Ditto's `PolicyImporter` resolves them: its own
 * entries, then those of each import that are `implicit` or `explicit` and listed (labelled
 * `imported-<policyId>-<label>`, `never` ones left out), then its references materialised. An
 * import of a missing policy contributes nothing. Own entries win a label collision.
 *
 * @example
 * resolvePolicy(policy, (id) => store.get(id)?.policy ?? null).get('imported-ns:roles-driver')
 */
export function resolvePolicy(policy: Policy, load: PolicyLoader): Map<string, PolicyEntry> {
  const own = new Map(Object.entries(policy.entries));
  const merged = mergeImports(own, Object.entries(policy.imports), load, 0, new Set());
  return resolveReferences(policy, merged);
}

function mergeImports(
  base: Map<string, PolicyEntry>,
  imports: [string, PolicyImport][],
  load: PolicyLoader,
  depth: number,
  visited: ReadonlySet<string>,
): Map<string, PolicyEntry> {
  if (imports.length === 0) return base;
  const result = new Map(base);
  for (const [importedId, policyImport] of imports) {
    for (const [label, entry] of resolveImport(importedId, policyImport, load, depth, visited))
      if (!result.has(label)) result.set(label, entry);
  }
  return result;
}

function resolveImport(
  importedId: string,
  policyImport: PolicyImport,
  load: PolicyLoader,
  depth: number,
  visited: ReadonlySet<string>,
): [string, PolicyEntry][] {
  const loaded = load(importedId);
  if (!loaded) return [];
  const transitive = policyImport.transitiveImports ?? [];
  const entries =
    transitive.length > 0
      ? resolveTransitive(loaded, transitive, load, depth, visited)
      : new Map(Object.entries(loaded.entries));
  const listed = policyImport.entries ?? [];
  const result: [string, PolicyEntry][] = [];
  for (const [label, entry] of resolveReferences(loaded, entries)) {
    const importable = entry.importable ?? 'implicit';
    if (importable === 'never' || (importable === 'explicit' && !listed.includes(label))) continue;
    // References are local to the imported policy: they were materialised above.
    const { references: _references, ...imported } = entry;
    result.push([importedLabel(importedId, label), imported]);
  }
  return result;
}

function resolveTransitive(
  loaded: Policy,
  transitive: string[],
  load: PolicyLoader,
  depth: number,
  visited: ReadonlySet<string>,
): Map<string, PolicyEntry> {
  if (depth >= MAX_TRANSITIVE_DEPTH) {
    throw errors.policyImportInvalid(
      `The policy import graph exceeded the maximum transitive resolution depth of ${MAX_TRANSITIVE_DEPTH}.`,
      `Resolution stopped at policy '${loaded.policyId}'. Shorten the chain or break the cycle by removing one of the transitiveImports entries.`,
    );
  }
  const wanted = new Set(transitive.filter((id) => !visited.has(id)));
  const own = new Map(Object.entries(loaded.entries));
  const chosen = Object.entries(loaded.imports).filter(([id]) => wanted.has(id));
  if (chosen.length === 0) return own;
  return mergeImports(own, chosen, load, depth + 1, new Set([...visited, ...wanted]));
}

/** Materialises the references of `policy`'s own entries against `resolved` (one level deep). */
function resolveReferences(
  policy: Policy,
  resolved: Map<string, PolicyEntry>,
): Map<string, PolicyEntry> {
  let result: Map<string, PolicyEntry> | null = null;
  for (const [label, entry] of Object.entries(policy.entries)) {
    if (!entry.references?.length) continue;
    result ??= new Map(resolved);
    result.set(label, resolveEntryReferences(policy, resolved, entry));
  }
  return result ?? resolved;
}

function resolveEntryReferences(
  policy: Policy,
  resolved: Map<string, PolicyEntry>,
  own: PolicyEntry,
): PolicyEntry {
  let resources: PolicyEntry['resources'] = {};
  let subjects: PolicyEntry['subjects'] = {};
  let namespaces: string[] = [];
  let allowed: Set<AllowedAddition> | null = null;
  for (const ref of own.references ?? []) {
    const target =
      ref.import === undefined
        ? policy.entries[ref.entry]
        : resolved.get(importedLabel(ref.import, ref.entry));
    if (!target || target.importable === 'never') continue;
    resources = mergeResources(resources, target.resources);
    subjects = { ...target.subjects, ...subjects };
    namespaces = [...new Set([...namespaces, ...(target.namespaces ?? [])])];
    if (target.allowedAdditions) allowed = narrowed(allowed, target.allowedAdditions);
  }
  const may = (a: AllowedAddition) => allowed === null || allowed.has(a);
  if (may('resources')) resources = mergeResources(resources, own.resources);
  if (may('subjects')) subjects = { ...own.subjects, ...subjects };
  if (may('namespaces')) namespaces = [...new Set([...namespaces, ...(own.namespaces ?? [])])];
  const entry: PolicyEntry = { subjects, resources };
  if (namespaces.length > 0) entry.namespaces = namespaces;
  if (own.importable) entry.importable = own.importable;
  if (allowed !== null) entry.allowedAdditions = [...allowed];
  if (own.references) entry.references = own.references;
  return entry;
}

/** The strictest of the allowed additions so far and those of one more referenced entry. */
function narrowed(
  allowed: Set<AllowedAddition> | null,
  declared: AllowedAddition[],
): Set<AllowedAddition> {
  return allowed === null ? new Set(declared) : new Set(declared.filter((a) => allowed.has(a)));
}

function mergeResources(
  into: PolicyEntry['resources'],
  more: PolicyEntry['resources'],
): PolicyEntry['resources'] {
  const result: PolicyEntry['resources'] = { ...into };
  for (const [key, resource] of Object.entries(more)) {
    const existing: ResourcePermissions | undefined = result[key];
    result[key] = existing
      ? {
          grant: [...new Set([...existing.grant, ...resource.grant])],
          revoke: [...new Set([...existing.revoke, ...resource.revoke])],
        }
      : resource;
  }
  return result;
}
