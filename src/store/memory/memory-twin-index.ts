// The embedded search index: documents flattened into per-path columns, filtered by scan, paged by top-k.
import { errors } from '../../core/error-registry.js';
import type { JsonPrimitive } from '../../core/json.js';
import type { SearchDocument } from '../../core/thing.js';
import type { FilterNode, RqlValue, SortKey } from '../../rql/ast.js';
import { isAddressableKey, isScalar, scalarTest } from '../../rql/evaluate.js';
import type { Scalar } from '../../rql/evaluate.js';
import { likeWork } from '../../rql/like-pattern.js';
import {
  decodeCursor,
  effectiveSort,
  encodeCursor,
  queryHash,
  type KeyValue,
} from '../search-cursor.js';
import type { SearchPage, SearchQuery, TwinIndex } from '../twin-index.js';

// Kind of the value an ordinal holds at a path.
const K_ABSENT = 0;
const K_NULL = 1;
const K_FALSE = 2;
const K_TRUE = 3;
const K_NUM = 4;
const K_STR = 5;
const K_OBJ_EMPTY = 6;
const K_OBJ = 7;
const K_ARR_EMPTY = 8;
const K_ARR = 9;

/**
 * Sort rank of each kind, as MongoDB (and so Ditto) orders BSON types: missing and null first, then
 * numbers < strings < objects < arrays < booleans. Objects sort as equals, so do arrays.
 */
const RANK = [0, 0, 5, 5, 1, 2, 3, 3, 4, 4];
const R_NUM = 1;
const R_STR = 2;
const R_BOOL = 5;

/** Default of {@link MemoryTwinIndexOptions.searchTimeoutMs}. */
export const DEFAULT_SEARCH_TIMEOUT_MS = 5_000;
/** Default of {@link MemoryTwinIndexOptions.sliceMs}. */
export const DEFAULT_SEARCH_SLICE_MS = 10;

/** Tuning of the column storage and of query scans; the defaults suit large indexes, tests shrink them. */
export interface MemoryTwinIndexOptions {
  /** A column turns from a Map into typed arrays once this many things have the path (default 64). */
  denseMin?: number;
  /** A string column keeps a dictionary up to this many distinct values (default 4096). */
  dictionaryMin?: number;
  /**
   * A search or count that has not finished after this many milliseconds fails with
   * `thing-search:query.time.exceeded` (408), as Ditto's does (default 5000).
   */
  searchTimeoutMs?: number;
  /** A scan yields to the event loop after holding it this many milliseconds (default 10). */
  sliceMs?: number;
}

interface Tuning {
  denseMin: number;
  dictionaryMin: number;
  searchTimeoutMs: number;
  sliceMs: number;
}

/** Ordinals a scan visits between two looks at the clock. */
const CHECK_EVERY = 2048;
/** Code units like/ilike may examine before the scan looks at the clock sooner than that. */
const LIKE_CHECK_UNITS = 1 << 20;
/** Ordinals between two looks at the like work counter, for filters with like or ilike. */
const LIKE_CHECK_EVERY = 1;

function usesLike(node: FilterNode): boolean {
  if ('args' in node) return node.args.some(usesLike);
  if ('arg' in node) return usesLike(node.arg);
  return node.op === 'like' || node.op === 'ilike';
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A column turns dense at `denseMin` values if one ordinal in this many holds one. */
const DENSE_RATIO = 16;
/** A dictionary is dropped past `dictionaryMin` values if one string in this many is distinct. */
const DICT_RATIO = 4;

const EMPTY_F64 = new Float64Array(0);
const EMPTY_I32 = new Int32Array(0);

/** An object node: only its kind (empty or not) is indexed, its members have their own columns. */
class ObjectCell {
  constructor(readonly kind: number) {}
}
const EMPTY_OBJECT = new ObjectCell(K_OBJ_EMPTY);
const NON_EMPTY_OBJECT = new ObjectCell(K_OBJ);

/** An array node: its scalar elements (the only ones a comparison can match). */
class ArrayCell {
  constructor(
    readonly kind: number,
    readonly elems: Scalar[],
  ) {}
}

type Cell = Scalar | ObjectCell | ArrayCell;

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the range of 4-digit-year ISO strings. */
const ISO_MIN_MS = -62167219200000;
const ISO_MAX_MS = 253402300799999;

/**
 * The epoch ms of a string that is exactly `new Date(ms).toISOString()` with a 4-digit year; such
 * strings order lexicographically as their instants do, so they are stored as numbers.
 */
function canonicalIsoMs(s: string): number | undefined {
  // Writes in the same millisecond index the same `_modified`: remember the last answer.
  if (s === lastIso.text) return lastIso.ms;
  if (s.length !== 24 || !ISO_RE.test(s)) return undefined;
  const parsed = Date.parse(s);
  const ms = Number.isNaN(parsed) || new Date(parsed).toISOString() !== s ? undefined : parsed;
  lastIso.text = s;
  lastIso.ms = ms;
  return ms;
}
const lastIso: { text: string; ms: number | undefined } = { text: '', ms: undefined };

/** The greatest ms whose ISO string is lexicographically below `v` (-Infinity when none is). */
function isoFloorBelow(v: string): number {
  const iso = (ms: number) => new Date(ms).toISOString();
  if (iso(ISO_MIN_MS) >= v) return -Infinity;
  let lo = ISO_MIN_MS; // iso(lo) < v
  let hi = ISO_MAX_MS + 1; // iso(hi) >= v, or past the range
  if (iso(ISO_MAX_MS) < v) return ISO_MAX_MS;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (iso(mid) < v) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** The comparison test for strings stored as ISO epoch ms, equal to `test` on their ISO strings. */
function isoTest(
  op: Parameters<typeof scalarTest>[0],
  values: readonly RqlValue[],
  test: (x: Scalar) => boolean,
): (ms: number) => boolean {
  const v = values[0];
  if (op === 'in' || op === 'eq' || op === 'ne') {
    const set = new Set<number>();
    for (const value of values) {
      const ms = typeof value === 'string' ? canonicalIsoMs(value) : undefined;
      if (ms !== undefined) set.add(ms);
    }
    return (ms) => set.has(ms);
  }
  if (typeof v !== 'string' || !['gt', 'ge', 'lt', 'le'].includes(op)) {
    return (ms) => test(new Date(ms).toISOString());
  }
  const below = isoFloorBelow(v); // iso(ms) < v  <=>  ms <= below
  const equal = canonicalIsoMs(v) ?? NaN;
  switch (op) {
    case 'lt':
      return (ms) => ms <= below;
    case 'le':
      return (ms) => ms <= below || ms === equal;
    case 'gt':
      return (ms) => !(ms <= below || ms === equal);
    default:
      return (ms) => !(ms <= below);
  }
}

function kindOf(cell: Cell): number {
  if (cell === null) return K_NULL;
  switch (typeof cell) {
    case 'boolean':
      return cell ? K_TRUE : K_FALSE;
    case 'number':
      return K_NUM;
    case 'string':
      return K_STR;
    default:
      return cell.kind;
  }
}

/** The values of one concrete path over all ordinals: a Map while rare, typed arrays once common. */
class Column {
  count = 0;
  sparse: Map<number, Cell> | null = new Map();
  kinds: Uint8Array = new Uint8Array(0);
  nums: Float64Array | null = null;
  /** Dictionary codes of strings (-1: no string); null before the first string and in wide mode. */
  codes: Int32Array | null = null;
  dict: Map<string, number> | null = null;
  dictValues: string[] = [];
  /** Wide mode (many distinct strings): each string is in `iso` (as epoch ms) or else in `raw`. */
  wide = false;
  raw: (string | undefined)[] = [];
  /** Canonical ISO-8601 timestamps (`toISOString()` form) as epoch ms; NaN where there is none. */
  iso: Float64Array | null = null;
  arrays: Map<number, ArrayCell> | null = null;
  /** The columns one level below, by key (flattening walks these instead of building paths). */
  children: Map<string, Column> | null = null;
  /** Set once the index dropped this column (no document has its path any more). */
  removed = false;

  constructor(
    readonly id: number,
    readonly path: string,
    readonly segments: string[],
    private readonly tuning: Tuning,
  ) {}

  kindAt(o: number): number {
    if (this.sparse === null) return this.kinds[o] ?? K_ABSENT;
    const cell = this.sparse.get(o);
    return cell === undefined ? K_ABSENT : kindOf(cell);
  }

  /** The number at `o`; only valid when kindAt(o) is K_NUM. */
  numAt(o: number): number {
    return this.sparse === null ? (this.nums as Float64Array)[o] : (this.sparse.get(o) as number);
  }

  /** The string at `o`; only valid when kindAt(o) is K_STR. */
  strAt(o: number): string {
    if (this.sparse !== null) return this.sparse.get(o) as string;
    if (!this.wide) return this.dictValues[(this.codes as Int32Array)[o]];
    const ms = this.iso === null ? NaN : this.iso[o];
    return Number.isNaN(ms) ? (this.raw[o] as string) : new Date(ms).toISOString();
  }

  /** Compares the strings at `a` and `b`; only valid when both are K_STR. */
  compareStrings(a: number, b: number): number {
    if (this.iso !== null) {
      const x = this.iso[a];
      const y = this.iso[b];
      if (!Number.isNaN(x) && !Number.isNaN(y)) return x < y ? -1 : x > y ? 1 : 0;
    }
    return compareValues(this.strAt(a), this.strAt(b));
  }

  set(o: number, cell: Cell): void {
    this.count++;
    if (this.sparse !== null) {
      this.sparse.set(o, cell);
      if (this.sparse.size >= this.tuning.denseMin && this.sparse.size * DENSE_RATIO > o)
        this.densify();
      return;
    }
    this.setDense(o, cell);
  }

  clear(o: number): void {
    if (this.sparse !== null) {
      if (this.sparse.delete(o)) this.count--;
      return;
    }
    const kind = this.kinds[o] ?? K_ABSENT;
    if (kind === K_ABSENT) return;
    this.kinds[o] = K_ABSENT;
    this.count--;
    if (kind === K_STR) {
      if (!this.wide) (this.codes as Int32Array)[o] = -1;
      else {
        this.raw[o] = undefined;
        if (this.iso !== null) this.iso[o] = NaN;
      }
    } else if (kind === K_ARR || kind === K_ARR_EMPTY) {
      this.arrays?.delete(o);
    }
  }

  private densify(): void {
    const sparse = this.sparse as Map<number, Cell>;
    this.sparse = null;
    for (const [o, cell] of sparse) this.setDense(o, cell);
  }

  private setDense(o: number, cell: Cell): void {
    if (o >= this.kinds.length) this.grow(o);
    const kind = kindOf(cell);
    this.kinds[o] = kind;
    if (kind === K_NUM) {
      this.nums ??= new Float64Array(this.kinds.length);
      this.nums[o] = cell as number;
    } else if (kind === K_STR) {
      this.setString(o, cell as string);
    } else if (kind === K_ARR || kind === K_ARR_EMPTY) {
      this.arrays ??= new Map();
      this.arrays.set(o, cell as ArrayCell);
    }
  }

  private setString(o: number, s: string): void {
    if (this.wide) {
      this.setWide(o, s);
      return;
    }
    if (this.codes === null) {
      this.codes = new Int32Array(this.kinds.length).fill(-1);
      this.dict = new Map();
    }
    const dict = this.dict as Map<string, number>;
    let code = dict.get(s);
    if (code === undefined) {
      code = this.dictValues.length;
      this.dictValues.push(s);
      dict.set(s, code);
      if (
        this.dictValues.length > this.tuning.dictionaryMin &&
        this.dictValues.length * DICT_RATIO > this.count
      ) {
        this.toWide();
        this.setWide(o, s);
        return;
      }
    }
    this.codes[o] = code;
  }

  private setWide(o: number, s: string): void {
    const ms = canonicalIsoMs(s);
    if (ms === undefined) {
      this.raw[o] = s;
      if (this.iso !== null) this.iso[o] = NaN;
    } else {
      this.iso ??= new Float64Array(this.kinds.length).fill(NaN);
      this.iso[o] = ms;
      this.raw[o] = undefined;
    }
  }

  /** High-cardinality strings: a dictionary would cost more than it saves. */
  private toWide(): void {
    const codes = this.codes as Int32Array;
    const values = this.dictValues;
    this.wide = true;
    this.codes = null;
    this.dict = null;
    this.dictValues = [];
    for (let o = 0; o < codes.length; o++) if (codes[o] >= 0) this.setWide(o, values[codes[o]]);
  }

  private grow(o: number): void {
    let cap = Math.max(16, this.kinds.length * 2);
    while (cap <= o) cap *= 2;
    const kinds = new Uint8Array(cap);
    kinds.set(this.kinds);
    this.kinds = kinds;
    if (this.nums !== null) {
      const nums = new Float64Array(cap);
      nums.set(this.nums);
      this.nums = nums;
    }
    if (this.codes !== null) {
      const codes = new Int32Array(cap).fill(-1);
      codes.set(this.codes);
      this.codes = codes;
    }
    if (this.iso !== null) {
      const iso = new Float64Array(cap).fill(NaN);
      iso.set(this.iso);
      this.iso = iso;
    }
  }
}

/** The set of columns one document populates; documents of the same structure share one. */
interface Shape {
  node: ShapeNode;
  columns: Column[];
  refs: number;
}

/** A trie over column ids: the path of a document's columns leads to its shape. */
interface ShapeNode {
  next: Map<number, ShapeNode>;
  shape?: Shape;
  /** The node above and the column id leading here (none at the root), for pruning. */
  parent?: ShapeNode;
  key?: number;
}

type Pred = (o: number) => boolean;
const NEVER: Pred = () => false;
const ALWAYS: Pred = () => true;

/** Reads one sort key of an ordinal: a column, or the ordinal's thing id. */
interface KeyReader {
  dir: 1 | -1;
  column: Column | null;
  isThingId: boolean;
}

interface Plan {
  pred: Pred;
  nsMask: Uint8Array | null;
  readers: KeyReader[];
  keys: SortKey[];
  hash: string;
}

/**
 * Where a scan stands between slices. `version` is the index's write count its predicate and sort
 * readers were compiled at; a write in between may have replaced the arrays they read.
 */
interface Scan {
  next: number;
  version: number;
  deadline: number;
  /** Ordinals between two looks at the like work counter. */
  checkEvery: number;
}

/**
 * The in-memory {@link TwinIndex}. Each thing gets an ordinal; each JSON path (objects and arrays
 * included) is a column holding per ordinal a kind tag and typed values. A query compiles its filter
 * into a predicate over ordinals, scans the live ones and keeps the best `size + 1` rows in a heap.
 *
 * Sort order: missing = null < numbers < strings (UTF-16 code units) < objects < arrays < booleans
 * (false < true); objects compare equal among themselves, so do arrays. `thingId` ascending breaks
 * every tie. Cursors are base64url JSON `{h, k}`: `h` hashes filter, namespaces and sort, `k` holds
 * the last row's sort-key values as `[rank, value]`; the next page starts strictly after them.
 */
export class MemoryTwinIndex implements TwinIndex {
  private readonly ordinals = new Map<string, number>();
  private readonly ids: (string | undefined)[] = [];
  /** Namespace id per ordinal; -1 for a free ordinal. */
  private nsOf = new Int32Array(1024).fill(-1);
  private readonly shapeOf: (Shape | undefined)[] = [];
  private readonly free: number[] = [];
  private end = 0;
  private readonly namespaceIds = new Map<string, number>();
  /** Namespaces by id. */
  private readonly namespaceNames: string[] = [];
  /** The policyId of each ordinal (shares the thingId string when equal). */
  private readonly policyOf: (string | undefined)[] = [];
  private readonly columns = new Map<string, Column>();
  private nextColumnId = 0;
  private readonly shapeRoot: ShapeNode = { next: new Map() };
  private readonly rootColumns = new Map<string, Column>();
  private readonly scratchColumns: Column[] = [];
  private readonly scratchCells: Cell[] = [];
  private readonly tuning: Tuning;
  /** Counts writes, so that a scan resumed after a yield knows to compile its query again. */
  private version = 0;

  constructor(options: MemoryTwinIndexOptions = {}) {
    this.tuning = {
      denseMin: options.denseMin ?? 64,
      dictionaryMin: options.dictionaryMin ?? 4096,
      searchTimeoutMs: options.searchTimeoutMs ?? DEFAULT_SEARCH_TIMEOUT_MS,
      sliceMs: options.sliceMs ?? DEFAULT_SEARCH_SLICE_MS,
    };
  }

  put(doc: SearchDocument): void {
    this.version++;
    const id = doc.thingId;
    let o = this.ordinals.get(id);
    if (o === undefined) {
      o = this.free.pop() ?? this.end++;
      this.ordinals.set(id, o);
      this.ids[o] = id;
      if (o >= this.nsOf.length) {
        const grown = new Int32Array(this.nsOf.length * 2).fill(-1);
        grown.set(this.nsOf);
        this.nsOf = grown;
      }
    } else {
      this.clearOrdinal(o);
    }
    const colon = id.indexOf(':');
    this.nsOf[o] = this.namespaceId(colon < 0 ? '' : id.slice(0, colon));
    this.policyOf[o] = doc.policyId === id ? id : doc.policyId;

    const cols = this.scratchColumns;
    const cells = this.scratchCells;
    cols.length = 0;
    cells.length = 0;
    this.flatten(doc as Record<string, unknown>, null, id);
    let node = this.shapeRoot;
    for (const col of cols) {
      let next = node.next.get(col.id);
      if (next === undefined) {
        next = { next: new Map(), parent: node, key: col.id };
        node.next.set(col.id, next);
      }
      node = next;
    }
    let shape = node.shape;
    if (shape === undefined) {
      shape = { node, columns: cols.slice(), refs: 0 };
      node.shape = shape;
    }
    shape.refs++;
    this.shapeOf[o] = shape;
    for (let i = 0; i < cols.length; i++) cols[i].set(o, cells[i]);
    cols.length = 0;
    cells.length = 0;
  }

  replaceScalar(
    thingId: string,
    path: string,
    value: JsonPrimitive,
    revision: number,
    modified: string,
  ): boolean {
    const o = this.ordinals.get(thingId);
    const col = this.columns.get(path);
    const revisions = this.columns.get('_revision');
    const modifieds = this.columns.get('_modified');
    if (o === undefined || !col || !revisions || !modifieds || !isScalar(value)) return false;
    // The policy decides visibility (policyOf): a new one goes through put.
    if (path === 'policyId') return false;
    const kind = col.kindAt(o);
    if (kind < K_NULL || kind > K_STR) return false;
    this.version++;
    col.clear(o);
    col.set(o, value);
    revisions.clear(o);
    revisions.set(o, revision);
    modifieds.clear(o);
    modifieds.set(o, modified);
    return true;
  }

  replaceScalars(
    thingId: string,
    leaves: readonly (readonly [string, JsonPrimitive])[],
    revision: number,
    modified: string,
  ): boolean {
    const o = this.ordinals.get(thingId);
    const revisions = this.columns.get('_revision');
    const modifieds = this.columns.get('_modified');
    if (o === undefined || !revisions || !modifieds) return false;
    for (const [path, value] of leaves) {
      const col = this.columns.get(path);
      if (!col || !isScalar(value) || path === 'policyId') return false;
      const kind = col.kindAt(o);
      if (kind < K_NULL || kind > K_STR) return false;
    }
    this.version++;
    for (const [path, value] of leaves) {
      const col = this.columns.get(path) as Column;
      col.clear(o);
      col.set(o, value);
    }
    revisions.clear(o);
    revisions.set(o, revision);
    modifieds.clear(o);
    modifieds.set(o, modified);
    return true;
  }

  remove(thingId: string): void {
    const o = this.ordinals.get(thingId);
    if (o === undefined) return;
    this.version++;
    this.clearOrdinal(o);
    this.ordinals.delete(thingId);
    this.ids[o] = undefined;
    this.policyOf[o] = undefined;
    this.nsOf[o] = -1;
    this.free.push(o);
  }

  size(): number {
    return this.ordinals.size;
  }

  /**
   * Counts in slices of about `sliceMs`, yielding to the event loop between them; fails with
   * `thing-search:query.time.exceeded` after `searchTimeoutMs`.
   */
  async count(query: Pick<SearchQuery, 'filter' | 'namespaces' | 'visible'>): Promise<number> {
    const scan = this.startScan(0, query.filter);
    let pred = query.filter === undefined ? ALWAYS : this.compile(query.filter);
    let nsMask = this.namespaceMask(query.namespaces);
    const visible = this.visibility(query.visible);
    const counted = { n: 0 };
    while (!this.countSlice(scan, pred, nsMask, visible, counted)) {
      await this.pause(scan);
      if (scan.version !== this.version) {
        scan.version = this.version;
        pred = query.filter === undefined ? ALWAYS : this.compile(query.filter);
        nsMask = this.namespaceMask(query.namespaces);
      }
    }
    return counted.n;
  }

  /** One slice of a count; true when the scan is complete. */
  private countSlice(
    scan: Scan,
    pred: Pred,
    nsMask: Uint8Array | null,
    visible: ((o: number) => boolean) | null,
    counted: { n: number },
  ): boolean {
    const sliceEnd = performance.now() + this.tuning.sliceMs;
    const nsOf = this.nsOf;
    const every = scan.checkEvery;
    let ticks = 0;
    let workMark = likeWork.units + LIKE_CHECK_UNITS;
    let n = counted.n;
    for (let o = scan.next; o < this.end;) {
      // Chunks keep the row loop free of checks.
      const stop = Math.min(o + every, this.end);
      for (; o < stop; o++) {
        const ns = nsOf[o];
        if (ns < 0 || (nsMask !== null && nsMask[ns] !== 1)) continue;
        if (visible !== null && !visible(o)) continue;
        if (pred(o)) n++;
      }
      if (likeWork.units > workMark || (ticks += every) >= CHECK_EVERY) {
        ticks = 0;
        workMark = likeWork.units + LIKE_CHECK_UNITS;
        if (performance.now() >= sliceEnd && o < this.end) {
          scan.next = o;
          counted.n = n;
          return false;
        }
      }
    }
    counted.n = n;
    return true;
  }

  /**
   * Scans in slices of about `sliceMs`, yielding to the event loop between them; fails with
   * `thing-search:query.time.exceeded` after `searchTimeoutMs`. A write between two slices is seen
   * by the rest of the scan, as a concurrent write would be by a database's.
   */
  async search(query: SearchQuery): Promise<SearchPage> {
    if (!Number.isInteger(query.size) || query.size < 1 || query.size > 200) {
      throw errors.searchOptionInvalid(
        `size(${query.size}) is out of range: the page size is 1 to 200`,
      );
    }
    let plan = this.plan(query);
    const after =
      query.cursor === undefined ? null : decodeCursor(query.cursor, plan.hash, plan.keys);
    const visible = this.visibility(query.visible);
    const skip = query.offset ?? 0;
    const k = skip + query.size + 1;
    let heap: number[] = [];
    // Ordinals follow insertion order, which often correlates with _created/_modified: scanning
    // against the first key's direction makes a "newest first" query fill its heap once.
    const backwards = plan.readers[0].dir === -1;
    const scan = this.startScan(backwards ? this.end - 1 : 0, query.filter);
    for (;;) {
      const { pred, nsMask, readers } = plan;
      const cmp = (a: number, b: number): number => this.compare(readers, a, b);
      if (this.scanSlice(scan, backwards, pred, nsMask, visible, readers, after, heap, k, cmp)) {
        heap.sort(cmp);
        break;
      }
      await this.pause(scan);
      if (scan.version !== this.version) {
        // The rows kept so far are judged again by the current documents, with fresh readers.
        scan.version = this.version;
        plan = this.plan(query);
        const kept = heap;
        heap = [];
        const fresh = plan;
        const cmpFresh = (a: number, b: number): number => this.compare(fresh.readers, a, b);
        for (const o of kept) {
          const ns = this.nsOf[o];
          if (ns < 0 || (fresh.nsMask !== null && fresh.nsMask[ns] !== 1)) continue;
          if (visible !== null && !visible(o)) continue;
          if (!fresh.pred(o)) continue;
          if (after !== null && this.compareToKey(fresh.readers, o, after) <= 0) continue;
          heapPush(heap, o, cmpFresh);
        }
      }
    }
    const { readers } = plan;
    const more = heap.length > skip + query.size;
    const rows = heap.slice(skip, skip + query.size);
    const page: SearchPage = { thingIds: rows.map((o) => this.ids[o] as string) };
    if (more) page.cursor = encodeCursor(plan.hash, this.keyOf(readers, rows[rows.length - 1]));
    return page;
  }

  private startScan(next: number, filter: FilterNode | undefined): Scan {
    return {
      next,
      version: this.version,
      deadline: performance.now() + this.tuning.searchTimeoutMs,
      // One like test may cost far more than the rest of a row: count the code units it examines.
      checkEvery: filter !== undefined && usesLike(filter) ? LIKE_CHECK_EVERY : CHECK_EVERY,
    };
  }

  /** Lets the event loop run between two slices of a scan; throws once its time is up. */
  private async pause(scan: Scan): Promise<void> {
    if (performance.now() >= scan.deadline) throw errors.searchTimeout(this.tuning.searchTimeoutMs);
    await yieldToEventLoop();
    if (performance.now() >= scan.deadline) throw errors.searchTimeout(this.tuning.searchTimeoutMs);
  }

  /**
   * One slice of a search's scan into its top-k heap. Returns true when the scan is complete, false
   * when the slice's time ran out (`scan.next` is where to go on).
   */
  private scanSlice(
    scan: Scan,
    backwards: boolean,
    pred: Pred,
    nsMask: Uint8Array | null,
    visible: ((o: number) => boolean) | null,
    readers: KeyReader[],
    after: KeyValue[] | null,
    heap: number[],
    k: number,
    cmp: (a: number, b: number) => number,
  ): boolean {
    const sliceEnd = performance.now() + this.tuning.sliceMs;
    const nsOf = this.nsOf;
    const step = backwards ? -1 : 1;
    const every = scan.checkEvery;
    let ticks = 0;
    let workMark = likeWork.units + LIKE_CHECK_UNITS;
    for (let o = scan.next; o >= 0 && o < this.end;) {
      // Chunks keep the row loop free of checks.
      const stop = backwards ? Math.max(o - every, -1) : Math.min(o + every, this.end);
      for (; o !== stop; o += step) {
        const ns = nsOf[o];
        if (ns < 0 || (nsMask !== null && nsMask[ns] !== 1)) continue;
        if (visible !== null && !visible(o)) continue;
        if (!pred(o)) continue;
        const full = heap.length === k;
        if (full && cmp(o, heap[0]) >= 0) continue;
        if (after !== null && this.compareToKey(readers, o, after) <= 0) continue;
        if (full) heapReplaceTop(heap, o, cmp);
        else heapPush(heap, o, cmp);
      }
      if (likeWork.units > workMark || (ticks += every) >= CHECK_EVERY) {
        ticks = 0;
        workMark = likeWork.units + LIKE_CHECK_UNITS;
        if (performance.now() >= sliceEnd && o >= 0 && o < this.end) {
          scan.next = o;
          return false;
        }
      }
    }
    return true;
  }

  /** An ordinal test from a per-policy visibility, asking once per distinct policyId. */
  private visibility(
    visible: ((policyId: string, namespace: string) => boolean) | undefined,
  ): ((o: number) => boolean) | null {
    if (visible === undefined) return null;
    // One memo per namespace id: no key is built per row.
    const memos: Map<string, boolean>[] = [];
    const policyOf = this.policyOf;
    const names = this.namespaceNames;
    return (o) => {
      const policyId = policyOf[o] ?? '';
      const ns = this.nsOf[o];
      const memo = (memos[ns] ??= new Map());
      let answer = memo.get(policyId);
      if (answer === undefined) {
        answer = visible(policyId, names[ns] ?? '');
        memo.set(policyId, answer);
      }
      return answer;
    };
  }

  // --- writing ---

  private namespaceId(ns: string): number {
    let id = this.namespaceIds.get(ns);
    if (id === undefined) {
      id = this.namespaceIds.size;
      this.namespaceIds.set(ns, id);
      this.namespaceNames[id] = ns;
    }
    return id;
  }

  private column(path: string): Column {
    let col = this.columns.get(path);
    if (col === undefined) {
      col = new Column(this.nextColumnId++, path, path.split('/'), this.tuning);
      this.columns.set(path, col);
    }
    return col;
  }

  /** The column of `key` below `parent` (a top-level key when parent is null). */
  private childColumn(parent: Column | null, key: string): Column {
    const siblings = parent === null ? this.rootColumns : (parent.children ??= new Map());
    let col = siblings.get(key);
    if (col === undefined || col.removed) {
      col = this.column(parent === null ? key : `${parent.path}/${key}`);
      siblings.set(key, col);
    }
    return col;
  }

  private flatten(node: Record<string, unknown>, parent: Column | null, thingId: string): void {
    for (const key of Object.keys(node)) {
      const v = node[key];
      if (v === undefined || !isAddressableKey(key)) continue;
      const column = this.childColumn(parent, key);
      let cell: Cell;
      if (isScalar(v)) {
        // Share the id string when a value repeats it (thingId, often policyId).
        cell = v === thingId ? thingId : v;
      } else if (Array.isArray(v)) {
        cell = new ArrayCell(v.length === 0 ? K_ARR_EMPTY : K_ARR, v.filter(isScalar));
      } else if (typeof v === 'object') {
        const obj = v as Record<string, unknown>;
        const empty = !Object.keys(obj).some((k) => obj[k] !== undefined);
        cell = empty ? EMPTY_OBJECT : NON_EMPTY_OBJECT;
        this.scratchColumns.push(column);
        this.scratchCells.push(cell);
        if (!empty) this.flatten(obj, column, thingId);
        continue;
      } else {
        continue; // not JSON (function, symbol, bigint)
      }
      this.scratchColumns.push(column);
      this.scratchCells.push(cell);
    }
  }

  private clearOrdinal(o: number): void {
    const shape = this.shapeOf[o];
    if (shape === undefined) return;
    for (const col of shape.columns) {
      col.clear(o);
      // A path no document has any more goes away (dense columns stay: they are shared paths).
      if (col.count === 0 && col.sparse !== null) this.dropColumn(col);
    }
    if (--shape.refs === 0) this.dropShape(shape);
    this.shapeOf[o] = undefined;
  }

  /** Forgets a column no document has any more, so that churn of unique paths leaves nothing. */
  private dropColumn(col: Column): void {
    this.columns.delete(col.path);
    col.removed = true;
    const slash = col.path.lastIndexOf('/');
    const siblings =
      slash < 0 ? this.rootColumns : this.columns.get(col.path.slice(0, slash))?.children;
    const key = col.segments[col.segments.length - 1];
    if (siblings?.get(key) === col) siblings.delete(key);
  }

  /** Forgets a shape no document has any more, and the trie nodes that led only to it. */
  private dropShape(shape: Shape): void {
    let node: ShapeNode = shape.node;
    node.shape = undefined;
    while (node.parent !== undefined && node.shape === undefined && node.next.size === 0) {
      node.parent.next.delete(node.key as number);
      node = node.parent;
    }
  }

  // --- querying ---

  private plan(query: SearchQuery): Plan {
    const keys = effectiveSort(query.sort);
    const readers = keys.map((key): KeyReader => ({
      dir: key.direction === 'desc' ? -1 : 1,
      column: key.path === 'thingId' ? null : (this.columns.get(key.path) ?? null),
      isThingId: key.path === 'thingId',
    }));
    return {
      pred: query.filter === undefined ? ALWAYS : this.compile(query.filter),
      nsMask: this.namespaceMask(query.namespaces),
      readers,
      keys,
      hash: queryHash(query.filter, query.namespaces, keys),
    };
  }

  private namespaceMask(namespaces: string[] | undefined): Uint8Array | null {
    if (namespaces === undefined || namespaces.length === 0) return null;
    const mask = new Uint8Array(this.namespaceIds.size);
    for (const ns of namespaces) {
      const id = this.namespaceIds.get(ns);
      if (id !== undefined) mask[id] = 1;
    }
    return mask;
  }

  /** The columns a path names: one, or every column matching a path with `*` segments. */
  private expand(path: string): Column[] {
    if (!path.split('/').includes('*')) {
      const col = this.columns.get(path);
      return col === undefined ? [] : [col];
    }
    const segs = path.split('/');
    const out: Column[] = [];
    for (const col of this.columns.values()) {
      if (col.segments.length !== segs.length) continue;
      if (segs.every((s, i) => s === '*' || s === col.segments[i])) out.push(col);
    }
    return out;
  }

  private compile(node: FilterNode): Pred {
    switch (node.op) {
      case 'and': {
        const preds = node.args.map((arg) => this.compile(arg));
        if (preds.length === 1) return preds[0];
        return (o) => {
          for (let i = 0; i < preds.length; i++) if (!preds[i](o)) return false;
          return true;
        };
      }
      case 'or':
        return anyOf(node.args.map((arg) => this.compile(arg)));
      case 'not': {
        const pred = this.compile(node.arg);
        return (o) => !pred(o);
      }
      case 'exists':
        return anyOf(this.expand(node.path).map(existsPred));
      case 'empty': {
        const nonEmpty = anyOf(this.expand(node.path).map(nonEmptyPred));
        return (o) => !nonEmpty(o);
      }
      case 'ne': {
        const cols = this.expand(node.path);
        const exists = anyOf(cols.map(existsPred));
        const eq = anyOf(cols.map((col) => matchPred(col, 'eq', [node.value])));
        return (o) => exists(o) && !eq(o);
      }
      case 'in':
        return anyOf(this.expand(node.path).map((col) => matchPred(col, 'in', node.values)));
      default: {
        const { op, value } = node;
        return anyOf(this.expand(node.path).map((col) => matchPred(col, op, [value])));
      }
    }
  }

  private compare(readers: KeyReader[], a: number, b: number): number {
    for (let i = 0; i < readers.length; i++) {
      const r = readers[i];
      let c: number;
      if (r.isThingId) {
        const x = this.ids[a] as string;
        const y = this.ids[b] as string;
        c = x < y ? -1 : x > y ? 1 : 0;
      } else if (r.column === null) {
        c = 0;
      } else {
        const col = r.column;
        const ka = col.kindAt(a);
        const kb = col.kindAt(b);
        const ra = RANK[ka];
        c = ra - RANK[kb];
        if (c === 0) {
          if (ra === R_NUM) c = compareValues(col.numAt(a), col.numAt(b));
          else if (ra === R_STR) c = col.compareStrings(a, b);
          else if (ra === R_BOOL) c = ka - kb;
        }
      }
      if (c !== 0) return c * r.dir;
    }
    return 0;
  }

  private compareToKey(readers: KeyReader[], o: number, key: KeyValue[]): number {
    for (let i = 0; i < readers.length; i++) {
      const r = readers[i];
      const [rank, value] = key[i];
      let c: number;
      if (r.isThingId) {
        c = compareValues(this.ids[o] as string, value as string);
      } else {
        const kind = r.column === null ? K_ABSENT : r.column.kindAt(o);
        const ra = RANK[kind];
        c = ra - rank;
        if (c === 0 && r.column !== null) {
          if (ra === R_NUM) c = compareValues(r.column.numAt(o), value as number);
          else if (ra === R_STR) c = compareValues(r.column.strAt(o), value as string);
          else if (ra === R_BOOL) c = (kind === K_TRUE ? 1 : 0) - (value as number);
        }
      }
      if (c !== 0) return c * r.dir;
    }
    return 0;
  }

  private keyOf(readers: KeyReader[], o: number): KeyValue[] {
    return readers.map((r): KeyValue => {
      if (r.isThingId) return [R_STR, this.ids[o] as string];
      const kind = r.column === null ? K_ABSENT : r.column.kindAt(o);
      const rank = RANK[kind];
      const col = r.column as Column;
      if (rank === R_NUM) return [rank, col.numAt(o)];
      if (rank === R_STR) return [rank, col.strAt(o)];
      if (rank === R_BOOL) return [rank, kind === K_TRUE ? 1 : 0];
      return [rank];
    });
  }
}

function compareValues<T extends number | string>(x: T, y: T): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

function anyOf(preds: Pred[]): Pred {
  if (preds.length === 0) return NEVER;
  if (preds.length === 1) return preds[0];
  return (o) => {
    for (let i = 0; i < preds.length; i++) if (preds[i](o)) return true;
    return false;
  };
}

function existsPred(col: Column): Pred {
  if (col.sparse !== null) {
    const sparse = col.sparse;
    return (o) => sparse.has(o);
  }
  const kinds = col.kinds;
  return (o) => kinds[o] > K_ABSENT;
}

function nonEmptyPred(col: Column): Pred {
  return (o) => {
    const kind = col.kindAt(o);
    switch (kind) {
      case K_FALSE:
      case K_TRUE:
      case K_NUM:
      case K_OBJ:
      case K_ARR:
        return true;
      case K_STR:
        return col.strAt(o) !== '';
      default:
        return false;
    }
  };
}

/** A fast test for numbers when the comparison value is a number; the generic test otherwise. */
function numberTest(
  op: Parameters<typeof scalarTest>[0],
  values: readonly RqlValue[],
  test: (x: Scalar) => boolean,
): (x: number) => boolean {
  const v = values[0];
  if (values.length !== 1 || typeof v !== 'number') return test;
  switch (op) {
    case 'eq':
    case 'in':
      return (x) => x === v;
    case 'gt':
      return (x) => x > v;
    case 'ge':
      return (x) => x >= v;
    case 'lt':
      return (x) => x < v;
    case 'le':
      return (x) => x <= v;
    default:
      return test;
  }
}

/** The predicate "the value of `col` at o matches the comparison" (arrays: any scalar element). */
function matchPred(
  col: Column,
  op: Parameters<typeof scalarTest>[0],
  values: readonly RqlValue[],
): Pred {
  const test = scalarTest(op, values);
  if (col.sparse !== null) {
    const sparse = col.sparse;
    return (o) => {
      const cell = sparse.get(o);
      if (cell === undefined) return false;
      if (cell instanceof ArrayCell) return cell.elems.some(test);
      if (cell instanceof ObjectCell) return false;
      return test(cell);
    };
  }
  const kinds = col.kinds;
  const constant = new Uint8Array(K_ARR + 1);
  constant[K_NULL] = test(null) ? 1 : 0;
  constant[K_FALSE] = test(false) ? 1 : 0;
  constant[K_TRUE] = test(true) ? 1 : 0;
  const nums = col.nums ?? EMPTY_F64;
  const numOk = numberTest(op, values, test);
  const arrays = col.arrays;
  const arrOk = (o: number): boolean =>
    arrays !== null && (arrays.get(o) as ArrayCell).elems.some(test);
  let strOk: Pred;
  if (col.wide && col.iso === null) {
    const raw = col.raw;
    strOk = (o) => test(raw[o] as string);
  } else if (col.wide) {
    const raw = col.raw;
    const iso = col.iso as Float64Array;
    const isoOk = isoTest(op, values, test);
    strOk = (o) => {
      const ms = iso[o];
      return ms === ms ? isoOk(ms) : test(raw[o] as string); // ms !== ms: NaN, not an ISO string
    };
  } else if (op === 'like' || op === 'ilike') {
    // A like test may be costly: run it on the dictionary's values as rows need them, inside the
    // scan's time slices, rather than on every value up front.
    const codes = col.codes ?? EMPTY_I32;
    const values = col.dictValues;
    const ok = new Int8Array(values.length).fill(-1);
    strOk = (o) => {
      const code = codes[o];
      let known = ok[code];
      if (known === -1) known = ok[code] = test(values[code]) ? 1 : 0;
      return known === 1;
    };
  } else {
    const codes = col.codes ?? EMPTY_I32;
    const ok = Uint8Array.from(col.dictValues, (s) => (test(s) ? 1 : 0));
    strOk = (o) => ok[codes[o]] === 1;
  }
  return (o) => {
    const kind = kinds[o];
    if (kind === K_NUM) return numOk(nums[o]);
    if (kind === K_STR) return strOk(o);
    if (kind === K_ARR) return arrOk(o);
    return constant[kind] === 1;
  };
}

function heapPush(heap: number[], o: number, cmp: (a: number, b: number) => number): void {
  let i = heap.push(o) - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (cmp(heap[i], heap[parent]) <= 0) break;
    [heap[i], heap[parent]] = [heap[parent], heap[i]];
    i = parent;
  }
}

/** Replaces the worst row (the top of this max-heap) and restores the heap. */
function heapReplaceTop(heap: number[], o: number, cmp: (a: number, b: number) => number): void {
  heap[0] = o;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let worst = i;
    if (l < heap.length && cmp(heap[l], heap[worst]) > 0) worst = l;
    if (r < heap.length && cmp(heap[r], heap[worst]) > 0) worst = r;
    if (worst === i) return;
    [heap[i], heap[worst]] = [heap[worst], heap[i]];
    i = worst;
  }
}
