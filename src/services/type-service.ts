// Twin types over the API: immutable versions kept in the behaviour store, compiled once and held
// for the runtime (the twins whose definition names one are governed by it).
import { errors } from '../core/error-registry.js';
import { isJsonObject, type JsonObject } from '../core/json.js';
import { typeDocumentFromThingModel } from '../types/wot.js';
import { jsonEqual } from '../core/json-equal.js';
import { assertWritable, inScope, type Identity } from '../auth/identity.js';
import type { FilterNode } from '../rql/ast.js';
import type { BehaviourStore, TypeRecord } from '../store/behaviour-store.js';
import type { CompiledType } from '../types/behaviour.js';
import { compileType } from '../types/compile-type.js';
import { parseTypeId } from '../types/type-id.js';
import type { TypeLookup } from '../runtime/twin-behaviours.js';

export interface TypeServiceOptions {
  store: BehaviourStore;
  /** How many twins (of every namespace) match a filter. */
  countTwins(filter: FilterNode): Promise<number>;
  /** Told when a type is gone, so that twins' behaviour of it is let go of. */
  forgetType(typeId: string): void;
  now?: () => number;
}

/** A type as the API shows it. */
export interface TypeView {
  typeId: string;
  created: string;
  document: JsonObject;
}

export class TypeService implements TypeLookup {
  private readonly compiledById = new Map<string, CompiledType>();

  /** Told of each type created (roll-ups find the twins it governs). */
  onCreated: ((typeId: string) => void) | null = null;

  constructor(private readonly options: TypeServiceOptions) {}

  /** The ids of the compiled types. */
  ids(): string[] {
    return [...this.compiledById.keys()];
  }

  /** Compiles every stored type (at start). A stored type that no longer compiles is skipped and reported. */
  async load(onInvalid?: (id: string, error: unknown) => void): Promise<number> {
    for (const record of await this.options.store.listTypes()) {
      try {
        this.compiledById.set(record.id, compileType(record.id, JSON.parse(record.document)));
      } catch (error) {
        onInvalid?.(record.id, error);
      }
    }
    return this.compiledById.size;
  }

  compiled(typeId: string): CompiledType | undefined {
    return this.compiledById.get(typeId);
  }

  /**
   * Creates a type version; resolves to true when created, false when the same content was there
   * already. Other content under the id is a 409: versions never change.
   */
  async put(identity: Identity, id: string, body: unknown): Promise<boolean> {
    const { namespace } = this.manageable(identity, id);
    const type = compileType(id, isThingModel(body) ? typeDocumentFromThingModel(body) : body);
    const record: TypeRecord = {
      id,
      namespace,
      document: JSON.stringify(type.document),
      created: (this.options.now ?? Date.now)(),
    };
    if (await this.options.store.createType(record)) {
      this.compiledById.set(id, type);
      this.onCreated?.(id);
      return true;
    }
    const existing = await this.options.store.getType(id);
    if (existing === null || !jsonEqual(JSON.parse(existing.document), type.document))
      throw errors.typeConflict(id);
    if (!this.compiledById.has(id)) this.compiledById.set(id, type);
    return false;
  }

  async get(identity: Identity, id: string): Promise<TypeView> {
    const { namespace } = parseTypeId(id);
    const record = inScope(identity, namespace) ? await this.options.store.getType(id) : null;
    if (record === null) throw errors.typeNotFound(id);
    return viewOf(record);
  }

  async list(identity: Identity): Promise<TypeView[]> {
    const records = await this.options.store.listTypes(identity.namespaces);
    return records.map(viewOf);
  }

  /** Deletes a type no twin uses (409 otherwise). */
  async delete(identity: Identity, id: string): Promise<void> {
    this.manageable(identity, id);
    if ((await this.options.store.getType(id)) === null) throw errors.typeNotFound(id);
    const users = await this.options.countTwins({ op: 'eq', path: 'definition', value: id });
    if (users > 0) throw errors.typeInUse(id, users);
    await this.options.store.deleteType(id);
    this.compiledById.delete(id);
    this.options.forgetType(id);
  }

  private manageable(identity: Identity, id: string): { namespace: string } {
    const parts = parseTypeId(id);
    assertWritable(identity);
    // A type governs every twin that names it: managing one takes an administrator, or a token
    // scoped to the type's namespace (who holds one speaks for the namespace).
    const scoped = identity.namespaces?.includes(parts.namespace) ?? false;
    if (!identity.admin && !scoped) throw errors.typeNotModifiable(id);
    return parts;
  }
}

/** True for a W3C WoT Thing Model (`"@type": "tm:ThingModel"`), the model format of Ditto 3. */
function isThingModel(body: unknown): boolean {
  if (!isJsonObject(body as JsonObject)) return false;
  const type = (body as JsonObject)['@type'];
  return type === 'tm:ThingModel' || (Array.isArray(type) && type.includes('tm:ThingModel'));
}

function viewOf(record: TypeRecord): TypeView {
  return {
    typeId: record.id,
    created: new Date(record.created).toISOString(),
    document: JSON.parse(record.document) as JsonObject,
  };
}
