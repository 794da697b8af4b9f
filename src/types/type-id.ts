// Type ids `namespace:name:version`: parsed and checked so that a twin's `definition` can name them.
import { errors } from '../core/error-registry.js';
import { isValidNamespace, MAX_ID_LENGTH } from '../core/ids.js';
import type { TypeIdParts } from './behaviour.js';

// Name and version as a thing's `definition` allows them (ids.ts DEFINITION_PATTERN): a type
// whose id no definition can hold could never govern a twin.
const PART = /^[_a-zA-Z0-9\-.]+$/;

/**
 * Splits a type id into its parts; throws `errors.typeIdInvalid` unless it is
 * `namespace:name:version` with a (non-empty) thing namespace and a name and version that a
 * definition can hold.
 *
 * @example parseTypeId('dc:rack:1.0.0') // { namespace: 'dc', name: 'rack', version: '1.0.0' }
 */
export function parseTypeId(id: string): TypeIdParts {
  const parts = id.split(':');
  if (parts.length !== 3 || id.length > MAX_ID_LENGTH) throw errors.typeIdInvalid(id);
  const [namespace, name, version] = parts;
  const valid =
    namespace !== '' &&
    isValidNamespace(namespace) &&
    PART.test(namespace) &&
    PART.test(name) &&
    PART.test(version);
  if (!valid) throw errors.typeIdInvalid(id);
  return { namespace, name, version };
}
