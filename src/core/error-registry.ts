// Every error Twinfold returns, by Ditto error code (messages follow Ditto's). Add new errors here only.
import { TwinfoldError } from './errors.js';

const make = (code: string, status: number, message: string, description: string) =>
  new TwinfoldError(code, status, message, description);

export type PreconditionEntity = 'Thing' | 'Policy';
const PRECONDITION_PREFIX = { Thing: 'things', Policy: 'policies' } as const;

const SEARCH_OPTION_HINT = 'At least one provided option is invalid.';

export const errors = {
  // --- things: not found ---
  thingNotFound: (thingId: string) =>
    make(
      'things:thing.notfound',
      404,
      `The Thing with ID '${thingId}' could not be found or requester had insufficient permissions to access it.`,
      'Check if the ID of your requested Thing was correct and you have sufficient permissions.',
    ),
  policyIdNotFound: (thingId: string) =>
    make(
      'things:policyId.notfound',
      404,
      `The Policy ID of the Thing with ID <${thingId}> could not be found or requester had insufficient permissions to access it.`,
      'Check if the ID of your requested Thing was correct and you have sufficient permissions.',
    ),
  definitionNotFound: (thingId: string) =>
    make(
      'things:definition.notfound',
      404,
      `The Definition of the Thing with ID <${thingId}> could not be found or the requester had insufficient permissions to access it.`,
      'Check if the ID of the thing and the key of your requested definition was correct and you have sufficient permissions.',
    ),
  attributesNotFound: (thingId: string) =>
    make(
      'things:attributes.notfound',
      404,
      `The Attributes of the Thing with ID '${thingId}' could not be found or the requester had insufficient permissions to access it.`,
      'Check if the ID of the Thing was correct and you have sufficient permissions.',
    ),
  attributeNotFound: (thingId: string, pointer: string) =>
    make(
      'things:attribute.notfound',
      404,
      `The attribute with key '${pointer}' on the thing with ID '${thingId}' could not be found or the requester had insufficient permissions to access it.`,
      'Check if the ID of the thing and the key of your requested attribute was correct and you have sufficient permissions.',
    ),
  featuresNotFound: (thingId: string) =>
    make(
      'things:features.notfound',
      404,
      `The Features on the Thing with ID '${thingId}' do not exist or the requester had insufficient permissions to access it.`,
      'Check if the ID of the Thing was correct and you have sufficient permissions.',
    ),
  featureNotFound: (thingId: string, featureId: string) =>
    make(
      'things:feature.notfound',
      404,
      `The Feature with ID '${featureId}' on the Thing with ID '${thingId}' could not be found or the requester had insufficient permissions to access it.`,
      'Check if the ID of the Thing and the ID of your requested Feature was correct and you have sufficient permissions.',
    ),
  featureDefinitionNotFound: (thingId: string, featureId: string) =>
    make(
      'things:feature.definition.notfound',
      404,
      `The Definition of the Feature with ID '${featureId}' on the Thing with ID '${thingId}' does not exist or the requester had insufficient permissions to access it.`,
      'Check if the ID of the Thing and the Feature ID was correct and you have sufficient permissions.',
    ),
  featurePropertiesNotFound: (thingId: string, featureId: string, desired: boolean) =>
    make(
      desired ? 'things:feature.desiredProperties.notfound' : 'things:feature.properties.notfound',
      404,
      `The ${desired ? 'desired properties' : 'Properties'} of the Feature with ID '${featureId}' on the Thing with ID '${thingId}' do not exist or the requester had insufficient permissions to access it.`,
      'Check if the ID of the Thing and the Feature ID was correct and you have sufficient permissions.',
    ),
  featurePropertyNotFound: (
    thingId: string,
    featureId: string,
    pointer: string,
    desired: boolean,
  ) =>
    make(
      desired ? 'things:feature.desiredProperty.notfound' : 'things:feature.property.notfound',
      404,
      `The ${desired ? 'desired property' : 'Property'} with JSON Pointer '${pointer}' of the Feature with ID '${featureId}' on the Thing with ID '${thingId}' does not exist or the requester had insufficient permissions to access it.`,
      `Check if the ID of the Thing, the Feature ID and the key of your requested ${desired ? 'desired property' : 'property'} was correct and you have sufficient permissions.`,
    ),
  /** A thing at a revision or timestamp that does not exist, or that the requester may not see. */
  historyNotFoundAt: (thingId: string, at: { revision: number } | { timestamp: number }) =>
    errors.historyNotFound(
      thingId,
      'revision' in at
        ? `revision '${at.revision}'`
        : `timestamp '${new Date(at.timestamp).toISOString()}'`,
    ),
  historyNotFound: (thingId: string, at: string) =>
    make(
      'things:thing.history.notfound',
      404,
      `The Thing with ID '${thingId}' at ${at} could not be found or requester had insufficient permissions to access it.`,
      'Check if the ID of your requested Thing was correct, you have sufficient permissions and ensure that the asked for revision/timestamp does not exceed the history-retention-duration.',
    ),

  // --- things: preconditions and conditions ---
  /** `entity` names the resource kind: Ditto has these errors for things and for policies. */
  preconditionFailed: (
    header: string,
    value: string,
    actual: string | null,
    entity: PreconditionEntity = 'Thing',
  ) =>
    make(
      `${PRECONDITION_PREFIX[entity]}:precondition.failed`,
      412,
      `The comparison of precondition header '${header}' for the requested ${entity} resource evaluated to false. Header value: '${value}', actual entity-tag: '${actual}'.`,
      `The comparison of the provided precondition header with the current ETag value of the requested ${entity} resource evaluated to false. Check the value of your conditional header value.`,
    ),
  preconditionNotModified: (value: string, actual: string, entity: PreconditionEntity = 'Thing') =>
    make(
      `${PRECONDITION_PREFIX[entity]}:precondition.notmodified`,
      304,
      `The comparison of precondition header 'if-none-match' for the requested ${entity} resource evaluated to false. Expected: '${value}' not to match actual: '${actual}'.`,
      `The comparison of the provided precondition header 'if-none-match' with the current ETag value of the requested ${entity} resource evaluated to false. Check the value of your conditional header value.`,
    ),
  /** Ditto answers an equal write under `if-equal: skip` with its precondition-failed error. */
  equalValueSkipped: (entity: PreconditionEntity = 'Thing') =>
    make(
      `${PRECONDITION_PREFIX[entity]}:precondition.failed`,
      412,
      "The previous value was equal to the new value and the 'if-equal' header was set to 'skip'.",
      'Your changes were not applied, which is probably the expected outcome.',
    ),
  conditionFailed: () =>
    make(
      'things:condition.failed',
      412,
      'The specified condition does not match the state of the requested Thing.',
      'The provided condition did not match the actual Thing state. Please check your provided condition.',
    ),
  conditionInvalid: (condition: string, detail: string) =>
    make(
      'things:condition.invalid',
      400,
      `The specified condition '${condition}' is invalid.`,
      detail,
    ),

  // --- things: ids, creation, validation ---
  thingIdInvalid: (id: string) =>
    make(
      'things:id.invalid',
      400,
      `Thing ID '${id}' is not valid!`,
      "It must conform to the namespaced entity ID notation 'namespace:name': a namespace like 'org.example' (or empty), a colon, and a name without slashes or control characters; at most 256 characters.",
    ),
  policyIdInvalid: (id: string) =>
    make(
      'policies:id.invalid',
      400,
      `Policy ID '${id}' is not valid!`,
      "It must conform to the namespaced entity ID notation 'namespace:name'; at most 256 characters.",
    ),
  thingIdNotSettablePost: () =>
    make(
      'things:id.notsettable',
      400,
      'It is not allowed to provide a Thing ID in the request body for method POST. The method POST will generate the Thing ID by itself.',
      'To provide your own Thing ID use a PUT request instead.',
    ),
  inlinePolicyNotAllowed: (thingId: string) =>
    make(
      'things:policy.notallowed',
      400,
      `The Thing with ID '${thingId}' could not be modified as it contained an inline Policy.`,
      'Inline policies (_policy) are only allowed when a Thing is created; edit its policy at /api/2/policies/{policyId}.',
    ),
  copyPolicyFromNotAllowed: (thingId: string) =>
    make(
      'things:policy.notallowed',
      400,
      `The Thing with ID '${thingId}' could not be modified as it contained _copyPolicyFrom.`,
      'A policy can only be copied when a Thing is created; edit its policy at /api/2/policies/{policyId}.',
    ),
  copyPolicyFromInvalid: (value: string) =>
    make(
      'things:policy.copy.invalid',
      400,
      `The value '${value}' of '_copyPolicyFrom' is neither a Policy ID nor a reference like '{{ ref:things/<thingId>/policyId }}'.`,
      "Give the ID of the policy to copy, or '{{ ref:things/<thingId>/policyId }}' to copy the policy of another Thing.",
    ),
  copyPolicyConflict: () =>
    make(
      'things:policy.copy.invalid',
      400,
      "A Thing can be created with either an inline '_policy' or '_copyPolicyFrom', not both.",
      "Remove '_policy' or '_copyPolicyFrom' from the Thing JSON.",
    ),
  /** Ditto's PolicyNotCreatableException: the creator would lock itself out of the new policy. */
  policyNotCreatable: (policyId: string) =>
    make(
      'policies:policy.notcreatable',
      403,
      `The Policy with ID '${policyId}' could not be created as the requester had insufficient permissions.`,
      "Check if you have sufficient permissions in the new policy to create: keep unrestricted WRITE on 'policy:/' for yourself, or send 'allow-policy-lockout: true'.",
    ),
  metadataHeadersConflict: (detail: string) =>
    make(
      'things:metadata.headersconflict',
      400,
      'Metadata of the Thing could not be created, modified, retrieved or deleted.',
      detail,
    ),
  metadataNotModifiable: () =>
    make(
      'things:metadata.notmodifiable',
      400,
      'Metadata of the Thing could not be modified',
      "The '_metadata' of an existing Thing is changed with the put-metadata and delete-metadata headers, not in the Thing JSON.",
    ),
  metadataWildcardInvalid: (expression: string, header: string) =>
    make(
      'header.invalid',
      400,
      `The wildcard expression '${expression}' in header '${header}' is not valid.`,
      `Verify that the value of the '${header}' header is valid and try again.`,
    ),
  metadataHeaderInvalid: (header: string, detail: string) =>
    make(
      'header.invalid',
      400,
      `The value of the header '${header}' is invalid: ${detail}`,
      `Verify that the value of the header '${header}' is valid and try again.`,
    ),
  thingIdNotSettable: () =>
    make(
      'things:id.notsettable',
      400,
      'The Thing ID in the request body is not equal to the Thing ID in the request URL.',
      'Either delete the Thing ID from the request body or use the same Thing ID as in the request URL.',
    ),
  thingIdsMissing: () =>
    make(
      'things:things.ids.missing',
      400,
      'The required list of thing ids was missing.',
      'Please provide at least one thing id and try again, e.g. /api/2/things?ids=ns:a,ns:b.',
    ),
  thingTooLarge: (actualBytes: number, maxBytes: number) =>
    make(
      'things:thing.toolarge',
      413,
      `The size of '${(actualBytes / 1024).toFixed(3)}' kB exceeds the maximal allowed Thing size of '${(maxBytes / 1024).toFixed(3)}' kB.`,
      'Reduce the Thing size in the bounds of the specified limit',
    ),
  /** The size limit without the size: the requester may not read all of the thing. */
  thingTooLargeHidden: (maxBytes: number) =>
    make(
      'things:thing.toolarge',
      413,
      `The Thing would exceed the maximal allowed Thing size of '${(maxBytes / 1024).toFixed(3)}' kB.`,
      'Reduce the Thing size in the bounds of the specified limit',
    ),
  definitionInvalid: (value: string) =>
    make(
      'things:definition.identifier.invalid',
      400,
      `Definition identifier <${value}> is invalid!`,
      "An identifier string is expected to have the structure 'namespace:name:version' where each segment must contain at least one char of [_a-zA-Z0-9\\-.] OR it must be a valid HTTP(s) URL.",
    ),
  mergeInvalid: (
    detail = 'The provided JSON Merge Patch is invalid, it must conform to RFC7396.',
  ) =>
    make(
      'things:merge.invalid',
      400,
      detail,
      'The provided JSON Merge Patch cannot be applied at the given path.',
    ),
  policyIdNotDeletable: () =>
    make(
      'things:policyId.notdeletable',
      400,
      'The Policy ID of a Thing cannot be deleted.',
      'Set another Policy ID with PUT instead.',
    ),

  // --- JSON ---
  jsonInvalid: (detail: string) =>
    make(
      'json.invalid',
      400,
      detail,
      'Check if the JSON was valid (e.g. on https://jsonlint.com) and if it was in required format.',
    ),
  jsonKeyInvalid: (key: string, reason: string) =>
    make('json.key.invalid', 400, `The JSON key <${key}> is invalid!`, reason),
  jsonPointerInvalid: (pointer: string) =>
    make(
      'json.pointer.invalid',
      400,
      `The JSON pointer is invalid: '${pointer}'!`,
      'Check, for example, if the JSON Pointer is not empty and has no empty segments (//).',
    ),
  /** A pointer with more segments than a thing has levels: it could never address a value. */
  jsonPointerTooDeep: (segments: number, max: number) =>
    make(
      'json.pointer.invalid',
      400,
      `The JSON pointer is invalid: it has ${segments} segments, at most ${max} are allowed.`,
      `A thing nests at most ${max} levels: use a shorter pointer.`,
    ),
  fieldSelectorInvalid: (value: string) =>
    make(
      'json.fieldselector.invalid',
      400,
      `The field selector <${value}> is invalid!`,
      "Check, for example, if the amount of opening parentheses '(' matches the amount of closing ones ')'.",
    ),

  // --- HTTP ---
  headerInvalid: (header: string, value: string, type: string) =>
    make(
      'header.invalid',
      400,
      `The value '${value}' of the header '${header}' is not a valid ${type}.`,
      `Verify that the value of the header '${header}' is a valid '${type}' and try again.`,
    ),
  /** `timeout` is not one of Ditto's durations (`10s`, `500ms`, `1m`, or plain seconds). */
  timeoutInvalid: (detail: string) =>
    make(
      'timeout.invalid',
      400,
      detail,
      "Please choose a valid timeout: an amount with a unit ('500ms', '10s', '1m') or plain seconds.",
    ),
  timeoutOutOfBounds: (timeoutMs: number, maxMs: number) =>
    make(
      'gateway:timeout.invalid',
      400,
      `The timeout <${timeoutMs}ms> is not inside its allowed bounds <0ms - ${maxMs}ms>`,
      'Choose a timeout inside the bounds.',
    ),
  timeoutZeroWithResponse: () =>
    make(
      'header.invalid',
      400,
      "The value of the header 'timeout' must not be zero if response or acknowledgements are requested.",
      'Please provide a positive timeout.',
    ),
  /** Ditto's `CommandTimeoutException`; `mayHaveWritten` says a write may still be committed. */
  commandTimeout: (timeoutMs: number, mayHaveWritten: boolean) =>
    make(
      'command.timeout',
      408,
      `The Command reached the specified timeout of ${timeoutMs}ms.`,
      mayHaveWritten
        ? 'Try increasing the command timeout. The change was not refused: it may still be (or already be) committed, so read the resource (its ETag) before retrying.'
        : 'Try increasing the command timeout.',
    ),
  acknowledgementUnavailable: (label: string) =>
    make(
      'header.invalid',
      400,
      `The acknowledgement '${label}' cannot be requested here: a message or live command is answered by its response ('live-response') only. Nothing was sent.`,
      "Request 'live-response' (the default), or leave requested-acks out; use timeout=0 for fire and forget.",
    ),
  acknowledgementsNotHere: (method: string, path: string) =>
    make(
      'header.invalid',
      400,
      `Acknowledgements cannot be requested for ${method} ${path}: only modifications of things are acknowledged.`,
      'Leave requested-acks out, or send it empty.',
    ),
  declaredAcksNotHere: () =>
    make(
      'header.invalid',
      400,
      "The header 'declared-acks' is not supported over HTTP: it declares the acknowledgements a WebSocket or connection subscriber sends.",
      'Leave declared-acks out of HTTP requests.',
    ),
  dryRunNotHere: () =>
    make(
      'header.invalid',
      400,
      "The header 'dry-run' is not supported here: Ditto reads it for connections and definition migrations only (POST /api/2/things/{thingId}/migrateDefinition, and Twinfold's POST /api/2/migrations).",
      'Leave dry-run out of the request.',
    ),
  headerNotApplicable: (header: string, method: string, path: string) =>
    make(
      'header.invalid',
      400,
      `The header '${header}' is not supported on ${method} ${path}.`,
      `Leave '${header}' out of this request; see the README's API section for where each header applies.`,
    ),
  notAcceptable: (accept: string) =>
    make(
      'mediatype.notacceptable',
      406,
      `The resource can only answer with application/json, which the Accept header <${accept}> does not admit.`,
      'Accept application/json (or */*).',
    ),
  headerInvalidDetail: (header: string, detail: string) =>
    make(
      'header.invalid',
      400,
      detail,
      `Verify that the value of the header '${header}' is valid and try again.`,
    ),
  entityTagInvalid: (value: string) =>
    make(
      'header.invalid',
      400,
      `The opaque tag <${value}> is not a valid entity-tag.`,
      'Verify that the header has the correct syntax and try again, e.g. If-Match: "rev:3".',
    ),
  mediaTypeUnsupported: (got: string, expected: string) =>
    make(
      'mediatype.unsupported',
      415,
      `The Media-Type <${got}> is not supported for this resource.`,
      `Send the body with Content-Type: ${expected}.`,
    ),
  requestTooLarge: (limitBytes: number) =>
    make(
      'request.toolarge',
      413,
      `The request body exceeds the limit of ${limitBytes} bytes.`,
      'Send a smaller body; things are limited in size (see --max-thing-bytes).',
    ),
  methodNotAllowed: (method: string, url: string) =>
    make(
      'method.notallowed',
      405,
      `The method ${method} is not allowed on ${url}.`,
      'See /api/2/openapi.json for the methods each resource supports.',
    ),
  resourceNotFound: (url: string) =>
    make(
      'resource.notfound',
      404,
      `No resource at ${url}.`,
      'See /api/2/openapi.json for the resources of the API.',
    ),
  queryParameterInvalid: (name: string, detail: string) =>
    make(
      'parameter.invalid',
      400,
      `The query parameter '${name}' is invalid: ${detail}`,
      'See /api/2/openapi.json for the parameters of this resource.',
    ),
  internal: () =>
    make(
      'internal.error',
      500,
      'An internal error occurred.',
      'This is a bug in Twinfold: the server log has the details. Please report it.',
    ),
  unavailable: (detail: string) =>
    make(
      'service.unavailable',
      503,
      detail,
      'Retry in a moment; the server is starting or stopping.',
    ),
  storageUnavailable: (detail: string, cause?: unknown) =>
    new TwinfoldError(
      'storage.unavailable',
      503,
      `Storage is failing, so nothing of this request was stored: ${detail}`,
      'Retry in a moment: writes resume by themselves once storage works again (free disk space, or bring the database back).',
      { cause },
    ),
  storageOutcomeUnknown: (detail: string, cause?: unknown) =>
    new TwinfoldError(
      'storage.outcome.unknown',
      503,
      `Storage did not confirm whether this request was stored, and could not be asked in time: ${detail}`,
      'The change may or may not have been made, and it will not be undone later. Once storage works again (GET /ready answers 200), read the thing: its revision (_revision, or the ETag "rev:N") says whether it was. Retry only with If-Match on the revision read, so that it is not made twice.',
      { cause },
    ),

  // --- authentication and identities ---
  authenticationMissing: () =>
    make(
      'gateway:authentication.failed',
      401,
      'Unauthorized: no credentials were sent.',
      'Send Authorization: Basic <base64 user:password> or Authorization: Bearer <token or JWT>.',
    ),
  authenticationFailed: (detail: string) =>
    make(
      'gateway:authentication.failed',
      401,
      'Unauthorized: the credentials were rejected.',
      detail,
    ),
  tooManyRequests: (retryAfterSeconds: number) =>
    make(
      'gateway:too.many.requests',
      429,
      `Too many requests for this identity: retry after ${retryAfterSeconds} s.`,
      'Slow down, or ask an administrator to raise --rate-limit.',
    ),
  /** Too many failed credentials from one address or for one user; carries its Retry-After. */
  authenticationThrottled: (retryAfterSeconds: number) =>
    Object.assign(
      make(
        'gateway:authentication.throttled',
        429,
        `Too many failed authentications from this address or for this user: retry after ${retryAfterSeconds} s.`,
        'Check the credentials before trying again; every distinct wrong password or token counts.',
      ),
      { retryAfterSeconds },
    ),
  forbidden: (detail: string) =>
    make(
      'gateway:forbidden',
      403,
      detail,
      'Use an identity with the required role, scope or permission.',
    ),
  readOnlyIdentity: () =>
    make(
      'gateway:token.readonly',
      403,
      'This token is read-only: it cannot change anything.',
      'Use a read-write token or log in as a user.',
    ),
  identityInvalid: (detail: string) =>
    make(
      'identities:request.invalid',
      400,
      detail,
      'See /api/2/openapi.json for the body this resource takes.',
    ),
  userConflict: (username: string) =>
    make(
      'identities:user.conflict',
      409,
      `The user '${username}' already exists`,
      'Choose another username',
    ),
  userNotFound: (username: string) =>
    make(
      'identities:user.notfound',
      404,
      `The user '${username}' does not exist.`,
      'List users with GET /api/2/users.',
    ),
  tokenNotFound: (id: string) =>
    make(
      'identities:token.notfound',
      404,
      `The token '${id}' does not exist.`,
      'List your tokens with GET /api/2/tokens.',
    ),

  // --- thing permissions ---
  resourceNotModifiable: (code: string, message: string) =>
    make(
      `things:${code}.notmodifiable`,
      403,
      `${message} could not be modified as the requester had insufficient permissions ('WRITE' is required).`,
      'Check if the ID of your requested Thing was correct and you have sufficient permissions.',
    ),
  thingNotCreatable: (thingId: string, policyId: string) =>
    make(
      'things:thing.notcreatable',
      400,
      `The Thing with ID '${thingId}' could not be created as the Policy with ID '${policyId}' is not existing.`,
      'Check if the ID of the Policy you created the Thing with is correct and that the Policy is existing.',
    ),
  conditionNotReadable: () =>
    make(
      'things:condition.failed',
      412,
      'The specified resource in the condition could not be found or the requester had insufficient permissions to access it.',
      'Check if you have sufficient permissions to access the specified resource (READ permission is required).',
    ),

  // --- policies ---
  policyNotFound: (policyId: string) =>
    make(
      'policies:policy.notfound',
      404,
      `The Policy with ID '${policyId}' could not be found or requester had insufficient permissions to access it.`,
      'Check if the ID of your requested Policy was correct and you have sufficient permissions.',
    ),
  policyNotModifiable: (policyId: string) =>
    make(
      'policies:policy.notmodifiable',
      403,
      `The Policy with ID '${policyId}' could not be modified as the requester had insufficient permissions.`,
      'Check if the ID of your requested Policy was correct and you have sufficient permissions.',
    ),
  policyConflict: (policyId: string) =>
    make(
      'policies:policy.conflict',
      409,
      `The Policy with ID '${policyId}' already exists`,
      'Choose another Policy ID',
    ),
  policyInUse: (policyId: string, thingIds: string[], more: boolean) =>
    make(
      'policies:policy.inuse',
      409,
      `The Policy with ID '${policyId}' could not be deleted as it is used by the Things ${thingIds.map((id) => `'${id}'`).join(', ')}${more ? ' and others' : ''}.`,
      'Give those Things another Policy (PUT /things/{thingId}/policyId) or delete them first.',
    ),
  policyOutOfScope: (policyId: string) =>
    make(
      'gateway:forbidden',
      403,
      `This identity may not use the Policy with ID '${policyId}': its namespace is outside the identity's namespaces.`,
      'Use a Policy of one of your namespaces, or an identity whose scope includes this namespace.',
    ),
  policyModificationInvalid: (policyId: string) =>
    make(
      'policies:policy.modificationinvalid',
      403,
      `The Policy with ID '${policyId}' could not be modified as the resulting Policy would be invalid.`,
      "There must always be at least one PolicyEntry with 'WRITE' permissions on resource 'policy:/'.",
    ),
  policyEntryModificationInvalid: (policyId: string, label: string) =>
    make(
      'policies:entry.modificationinvalid',
      403,
      `The PolicyEntry with Label '${label}' on the Policy with ID '${policyId}' could not be modified as the resulting Policy would be invalid.`,
      "There must always be at least one PolicyEntry with 'WRITE' permissions on resource 'policy:/'.",
    ),
  policyPartNotFound: (code: string, message: string) =>
    make(
      `policies:${code}.notfound`,
      404,
      `${message} could not be found or requester had insufficient permissions to access it.`,
      'Check if the ID of the Policy and the path of your request were correct and you have sufficient permissions.',
    ),
  /** The size limit without the size: the requester may not read all of the policy. */
  policyTooLargeHidden: (maxBytes: number) =>
    make(
      'policies:policy.toolarge',
      413,
      `The Policy would exceed the maximal allowed Policy size of '${(maxBytes / 1024).toFixed(3)}' kB.`,
      'Reduce the Policy size in the bounds of the specified limit',
    ),
  policyInvalid: (detail: string) =>
    make(
      'policies:entry.invalid',
      400,
      detail,
      'A policy entry has subjects like {"user:alice":{"type":"user"}} and resources like {"thing:/":{"grant":["READ"],"revoke":[]}}.',
    ),
  subjectIdInvalid: (subjectId: string) =>
    make(
      'policies:subjectid.invalid',
      400,
      `Subject ID '${subjectId}' is not valid!`,
      "It must contain an issuer as prefix separated by a colon ':' from the actual subject",
    ),
  labelInvalid: (label: string) =>
    make(
      'policies:label.invalid',
      400,
      `Label '${label}' is not valid!`,
      "It must not start with the blocklisted 'imported' or 'nsimported' prefix.",
    ),
  subjectExpiryInvalid: (expiry: string) =>
    make(
      'policies:subjectexpiry.invalid',
      400,
      `Subject expiry timestamp '${expiry}' is not valid.`,
      'It must not be in the past, please adjust to a timestamp in the future.',
    ),
  policyImportInvalid: (
    message = 'The Policy Import is invalid.',
    description = 'The Policy Import references the policy where it is defined.',
  ) => make('policies:import.invalid', 400, message, description),
  policyImportsTooLarge: (count: number, max: number) =>
    make(
      'policies:imports.toolarge',
      400,
      `The number of '${count}' policy imports exceeds the allowed maximum number of '${max}'.`,
      "Please reduce the number of imports you're trying to add to the policy.",
    ),
  policyImportNotFound: (policyId: string, importedId: string) =>
    make(
      'policies:import.notfound',
      404,
      `The Policy import '${importedId}' of Policy '${policyId}' could not be found or requester had insufficient permissions to access it.`,
      'Check if the ID of the Policy and the imported Policy was correct and you have sufficient permissions.',
    ),
  importedPolicyNotAccessible: (importedId: string) =>
    make(
      'policies:policy.notfound',
      404,
      `The Policy with ID '${importedId}' could not be found or requester had insufficient permissions to access it.`,
      'Check if the ID of the imported Policy was correct and you have sufficient permissions on all imported policy entries.',
    ),
  policyImportReferenceConflict: (policyId: string, importedId: string | null) =>
    make(
      'policies:import.referenceconflict',
      409,
      importedId === null
        ? `The imports of Policy '${policyId}' cannot be removed because entry references still point to them.`
        : `The import '${importedId}' of Policy '${policyId}' cannot be removed because entry references still point to it.`,
      'Remove the entry references first before deleting the import.',
    ),
  policyEntryReferenceConflict: (policyId: string, label: string, from: string) =>
    make(
      'policies:entry.referenceconflict',
      409,
      `The entry '${label}' of Policy '${policyId}' cannot be removed because a local reference from entry '${from}' still points to it.`,
      'Remove the local entry references first before deleting the referenced entry.',
    ),
  policyImported: (policyId: string, count: number) =>
    make(
      'policies:policy.imported',
      409,
      `The Policy with ID '${policyId}' could not be deleted as ${count} other ${count === 1 ? 'Policy imports' : 'Policies import'} it.`,
      'Remove the imports of this Policy from the importing Policies first (DELETE /policies/{policyId}/imports/{importedPolicyId}).',
    ),
  /** A policy at a revision or timestamp that does not exist, or that the requester may not see. */
  policyHistoryNotFoundAt: (policyId: string, at: { revision: number } | { timestamp: number }) =>
    make(
      'policies:policy.history.notfound',
      404,
      `The Policy with ID '${policyId}' at ${
        'revision' in at
          ? `revision '${at.revision}'`
          : `timestamp '${new Date(at.timestamp).toISOString()}'`
      } could not be found or requester had insufficient permissions to access it.`,
      'Check if the ID of your requested Policy was correct, you have sufficient permissions and ensure that the asked for revision/timestamp does not exceed the history-retention-duration.',
    ),
  policyActionFailed: (action: string, detail: string) =>
    make('policies:action.failed', 400, `Failed to execute action '${action}'.`, detail),
  policyViewInvalid: (raw: string, detail = "Valid values: 'original', 'resolved'.") =>
    make(
      'policies:view.invalid',
      400,
      `The 'policy-view' parameter has an invalid value: '${raw}'. ${detail}`,
      "Use 'original' (or omit) for the stored policy, or 'resolved' for the merged view.",
    ),
  policyIdNotSettable: () =>
    make(
      'policies:id.notsettable',
      400,
      'The Policy ID in the request body is not equal to the Policy ID in the request URL.',
      'Either delete the Policy ID from the request body or use the same Policy ID as in the request URL.',
    ),
  policyTooLarge: (actualBytes: number, maxBytes: number) =>
    make(
      'policies:policy.toolarge',
      413,
      `The size of '${(actualBytes / 1024).toFixed(3)}' kB exceeds the maximal allowed Policy size of '${(maxBytes / 1024).toFixed(3)}' kB.`,
      'Reduce the Policy size in the bounds of the specified limit',
    ),

  // --- search and RQL ---
  rqlInvalid: (detail: string) =>
    make(
      'rql.expression.invalid',
      400,
      `The RQL expression is invalid: ${detail}`,
      'Ensure that all opening parentheses have also closing ones and that the RQL expression is valid, e.g. and(eq(attributes/color,"red"),gt(_revision,3)).',
    ),
  searchOptionInvalid: (detail: string) =>
    make('thing-search:search.option.invalid', 400, detail, SEARCH_OPTION_HINT),
  /** Ditto's `QueryTimeExceededException`: a search or count ran past its time budget. */
  searchTimeout: (timeoutMs: number) =>
    make(
      'thing-search:query.time.exceeded',
      408,
      `The search request took too long to process (more than ${timeoutMs} ms).`,
      "Optimize the query, e.g. reducing use of wildcards in 'like' or amount of predicates and/or try again later.",
    ),
  cursorInvalid: (detail: string) =>
    make(
      'thing-search:search.option.invalid',
      400,
      "The option 'cursor' is not valid for the search request.",
      detail || SEARCH_OPTION_HINT,
    ),

  // --- ingest ---
  /** An ingest spec that does not validate; `detail` names each problem with where it is. */
  ingestSpecInvalid: (detail: string) =>
    make(
      'ingest:spec.invalid',
      400,
      `The ingest spec is invalid: ${detail}`,
      'Fix the fields named (each is given as a JSON pointer into the spec) and send the spec again.',
    ),
  ingestSpecIdInvalid: (specId: string) =>
    make(
      'ingest:spec.id.invalid',
      400,
      `The ingest spec ID '${specId}' is not valid.`,
      'A spec ID is 1 to 128 letters, digits and any of _ . : @ ~ -.',
    ),
  ingestSpecNotFound: (specId: string) =>
    make(
      'ingest:spec.notfound',
      404,
      `The ingest spec with ID '${specId}' could not be found or the requester had insufficient permissions to access it.`,
      'Check the spec ID; list the specs you may manage with GET /api/2/ingest/specs.',
    ),
  ingestSpecForbidden: (detail: string) =>
    make(
      'ingest:spec.forbidden',
      403,
      `The ingest spec may not be managed by the requester: ${detail}`,
      'Managing a spec needs an administrator, or a token scoped to every namespace its thingId template can produce.',
    ),
  ingestSourceMismatch: (specId: string, source: string) =>
    make(
      'ingest:source.mismatch',
      400,
      `The ingest spec '${specId}' takes its messages over ${source}, not over HTTP.`,
      'Send to a spec whose source is {"http": {}}, or change the source of this one.',
    ),
  /** A spec whose transport this node is not connected to (`--nats-url`, `--amqp-url` unset). */
  ingestSourceUnavailable: (source: string, flag: string) =>
    make(
      'ingest:source.unavailable',
      400,
      `The ingest spec takes its messages over ${source}, and this server is not connected to ${source}.`,
      `Start the server with ${flag}, or give the spec another source.`,
    ),
  /** A spec with a `commands` section on a node whose MQTT is off. */
  ingestCommandsUnavailable: (flag: string) =>
    make(
      'ingest:source.unavailable',
      400,
      'The ingest spec sends commands to its devices over MQTT, and MQTT is off on this server.',
      `Start the server with ${flag}, or remove the spec's commands section.`,
    ),
  ingestBodyInvalid: (detail: string) =>
    make(
      'ingest:body.invalid',
      400,
      `The ingest request body is malformed: ${detail}`,
      'Send one JSON document, a JSON array of documents, or NDJSON with Content-Type: application/x-ndjson.',
    ),
  deadLetterNotFound: (id: string) =>
    make(
      'ingest:deadletter.notfound',
      404,
      `The dead letter with ID '${id}' could not be found or the requester had insufficient permissions to access it.`,
      'Check the ID; list dead letters with GET /api/2/ingest/deadletters.',
    ),
  // --- webhooks ---
  /** A webhook body that does not validate; `field` names the field at fault. */
  webhookInvalid: (field: string, detail: string) =>
    make(
      'webhooks:webhook.invalid',
      400,
      `The webhook field '${field}' is invalid: ${detail}`,
      'Send {"url", "filter"?, "extraFields"?, "namespaces"?, "events"?, "secret"?, "maxAttempts"?, "maxAgeHours"?} with the field fixed.',
    ),
  webhookNotFound: (id: string) =>
    make(
      'webhooks:webhook.notfound',
      404,
      `The webhook with ID '${id}' could not be found or the requester had insufficient permissions to access it.`,
      'Check the ID; list the webhooks you may manage with GET /api/2/webhooks.',
    ),
  /** A redrive of one delivery that is not dead-lettered (never was, or was re-driven). */
  webhookDeliveryNotDead: (id: string, seq: number) =>
    make(
      'webhooks:delivery.notfound',
      404,
      `The webhook '${id}' has no dead-lettered delivery of the event at position ${seq}.`,
      `List its dead deliveries with GET /api/2/webhooks/${id}/deliveries?state=dead.`,
    ),
  webhookForbidden: (detail: string) =>
    make(
      'webhooks:webhook.forbidden',
      403,
      `The webhook may not be managed by the requester: ${detail}`,
      'Managing a webhook needs an administrator, or a token scoped to every namespace the webhook receives events of.',
    ),
  // --- models, scenarios and runs ---
  /** A model body or id that does not validate; `field` names the field at fault. */
  modelInvalid: (field: string, detail: string) =>
    make(
      'models:model.invalid',
      400,
      `The model field '${field}' is invalid: ${detail}`,
      'Send {"kind": "forecast" | "simulation" | "external", "parameters"?: {...}, "description"?} with the field fixed.',
    ),
  modelNotFound: (id: string) =>
    make(
      'models:model.notfound',
      404,
      `The model with ID '${id}' could not be found.`,
      'Check the ID; list the models with GET /api/2/models.',
    ),
  /** A write of a model by someone other than its creator or an administrator. */
  modelNotModifiable: (id: string) =>
    make(
      'models:model.notmodifiable',
      403,
      `The model with ID '${id}' may not be modified by the requester.`,
      'Only the identity that created a model, or an administrator, may replace or delete it and its runs.',
    ),
  scenarioInvalid: (field: string, detail: string) =>
    make(
      'models:scenario.invalid',
      400,
      `The scenario field '${field}' is invalid: ${detail}`,
      'Send {"parameters": {...}, "description"?} with the field fixed.',
    ),
  scenarioNotFound: (id: string) =>
    make(
      'models:scenario.notfound',
      404,
      `The scenario with ID '${id}' could not be found.`,
      'Check the ID; list the scenarios with GET /api/2/scenarios.',
    ),
  scenarioNotModifiable: (id: string) =>
    make(
      'models:scenario.notmodifiable',
      403,
      `The scenario with ID '${id}' may not be modified by the requester.`,
      'Only the identity that created a scenario, or an administrator, may replace or delete it.',
    ),
  /** A scenario that runs name: deleting it would leave them naming nothing. */
  scenarioInUse: (id: string) =>
    make(
      'models:scenario.inuse',
      409,
      `The scenario with ID '${id}' is used by runs and cannot be deleted.`,
      'Delete the runs made under it (or their models) first.',
    ),
  /** A run body that does not validate; `field` names the field at fault (`series/0/mean`). */
  runInvalid: (field: string, detail: string) =>
    make(
      'models:run.invalid',
      400,
      `The run field '${field}' is invalid: ${detail}`,
      'Send {"scenario"?, "series": [{"thingId", "pointer", "t": [epoch ms...], "mean": [...], "lower"?, "upper"?, "level"?}]} with the field fixed.',
    ),
  /** A `POST /api/2/forecasts` body that does not validate, or a history too short to forecast. */
  forecastInvalid: (field: string, detail: string) =>
    make(
      'models:forecast.invalid',
      400,
      `The forecast field '${field}' is invalid: ${detail}`,
      'Send {"thingId", "pointer", "horizon": "1h", "step"?: "5m", "method"?, "level"?, "history"?: "7d"} for a twin property with enough history (backfill it with POST /api/2/timeseries/things/{thingId}/{pointer}).',
    ),
  /** A run of a model whose kind this server cannot run itself. */
  runUnsupported: (modelId: string, kind: string) =>
    make(
      'models:run.unsupported',
      400,
      `The model '${modelId}' is of kind '${kind}', which this server has no built-in runner for yet.`,
      "Register a run computed elsewhere under a model of kind 'external' (POST its series to /api/2/models/{modelId}/runs).",
    ),
  runNotFound: (id: string) =>
    make(
      'models:run.notfound',
      404,
      `The run with ID '${id}' could not be found.`,
      'Check the ID; list the runs of a model with GET /api/2/models/{modelId}/runs.',
    ),
  runNotModifiable: (id: string) =>
    make(
      'models:run.notmodifiable',
      403,
      `The run with ID '${id}' may not be deleted by the requester.`,
      'Only the identity that made a run, the creator of its model, or an administrator, may delete it.',
    ),
  /** No series of the run for the twin property, or one the requester may not read. */
  runSeriesNotFound: (runId: string, thingId: string, pointer: string) =>
    make(
      'models:run.series.notfound',
      404,
      `The run with ID '${runId}' has no series for '/${pointer}' of the Thing with ID '${thingId}', or the requester had insufficient permissions to read it.`,
      `List the series of the run with GET /api/2/runs/${runId}.`,
    ),
  /** More actual points over a run's range than a compare reads. */
  compareTooLarge: (thingId: string, pointer: string, limit: number) =>
    make(
      'models:compare.tooLarge',
      400,
      `The actual series '/${pointer}' of the Thing with ID '${thingId}' has more than ${limit} points over the run's range.`,
      'Compare a run over a shorter range (register it with fewer instants), or let the series be downsampled first.',
    ),
  /** A compare (or forecast) on a server that has no actual series to read. */
  actualSeriesUnavailable: () =>
    make(
      'models:actual.unavailable',
      503,
      'This server keeps no actual series to compare runs with or to forecast from.',
      'Run the server with its series store; run series themselves can still be registered and read.',
    ),
  // --- scheduled services ---
  /** A service body that does not validate; `field` names the field at fault. */
  serviceInvalid: (field: string, detail: string) =>
    make(
      'services:service.invalid',
      400,
      `The service field '${field}' is invalid: ${detail}`,
      'Send {"kind", "schedule"?, "timezone"?, "parameters"?, "timeout"?, "retries"?, "retryDelay"?, "description"?} and the fields of the kind, with the field fixed.',
    ),
  /** A `schedule` (cron string or {"every"}) or `timezone` that cannot be read. */
  serviceScheduleInvalid: (field: 'schedule' | 'timezone', value: string, detail: string) =>
    make(
      'services:schedule.invalid',
      400,
      `The service field '${field}' is invalid: '${value}' ${detail}`,
      'Use a cron string of five fields (or six, with seconds first) such as "*/5 * * * *", {"every": "5m"} (s, m, h or d), or leave the schedule out for on-demand runs; a timezone is an IANA name such as "Europe/Amsterdam".',
    ),
  serviceIdInvalid: (id: string) =>
    make(
      'services:service.id.invalid',
      400,
      `The service ID '${id}' is not valid.`,
      'A service ID is 1 to 128 letters, digits and any of _ . : @ ~ -, starting with a letter or digit.',
    ),
  serviceNotFound: (id: string) =>
    make(
      'services:service.notfound',
      404,
      `The service with ID '${id}' could not be found or the requester had insufficient permissions to access it.`,
      'Check the ID; list the services you may manage with GET /api/2/services.',
    ),
  serviceRunNotFound: (id: string, runId: string) =>
    make(
      'services:run.notfound',
      404,
      `The service '${id}' has no run with ID '${runId}'.`,
      `List its runs with GET /api/2/services/${id}/runs.`,
    ),
  /** An on-demand run of a service that is running already (here or in another process). */
  serviceRunConflict: (id: string) =>
    make(
      'services:run.conflict',
      409,
      `The service '${id}' is running already; a service never runs twice at once.`,
      `Wait for the run under way to finish (GET /api/2/services/${id}/runs), then ask again.`,
    ),
  // --- Ditto Protocol (WebSocket) and server-sent events ---
  /** Ditto's `ThingConflictException`: a create command for a thing that exists. */
  thingConflict: (thingId: string) =>
    make(
      'things:thing.conflict',
      409,
      `The Thing with ID '${thingId}' already exists`,
      "Choose another Thing ID, or use 'modify' to replace the existing Thing.",
    ),
  protocolInvalid: (detail: string) =>
    make(
      'protocoladapter:illegal.adaptable',
      400,
      `The Ditto Protocol message is invalid: ${detail}`,
      'Send a JSON object with a topic, headers, path and (for create, modify and merge) a value; see https://eclipse.dev/ditto/protocol-specification.html.',
    ),
  unknownTopicPath: (topic: string) =>
    make(
      'protocoladapter:unknown.topicpath',
      400,
      `The topic '${topic}' is not a Ditto Protocol topic Twinfold understands.`,
      "Check the topic, e.g. 'org.acme/lamp/things/twin/commands/retrieve' (<namespace>/<name>/things/twin/commands/<create|retrieve|modify|merge|delete>).",
    ),
  protocolPathInvalid: (path: string) =>
    make(
      'protocoladapter:unknown.path',
      400,
      `The path '${path}' does not address a part of a thing.`,
      "Use '/', '/policyId', '/definition', '/attributes[/<pointer>]', '/features[/<featureId>[/definition|/properties[/<pointer>]|/desiredProperties[/<pointer>]]]'.",
    ),
  liveChannelUnsupported: (what: string) =>
    make(
      'gateway:live.unsupported',
      501,
      `'${what}' needs the live channel (messages, live commands and live events), which this Twinfold server does not offer yet.`,
      'Use the twin channel: twin commands, and START-SEND-EVENTS for change notifications.',
    ),
  protocolUnsupported: (what: string) =>
    make(
      'gateway:protocol.unsupported',
      501,
      `'${what}' is not supported on this Twinfold server's WebSocket yet.`,
      'Use the HTTP API (/api/2/search/things) for search, and /api/2/things/{thingId}/history or SSE with from-historical-revision for history.',
    ),
  protocolMessageTooLarge: (limitBytes: number) =>
    make(
      'gateway:message.toolarge',
      413,
      `A WebSocket message may be at most ${limitBytes} bytes.`,
      'Send a smaller message; things are limited in size (see --max-thing-bytes).',
    ),
  streamingParameterInvalid: (name: string, detail: string) =>
    make(
      'gateway:streaming.parameter.invalid',
      400,
      `The parameter '${name}' is invalid: ${detail}`,
      'Check the parameters of the subscription, e.g. START-SEND-EVENTS?namespaces=org.acme&filter=gt(attributes/counter,42)&extraFields=attributes (URL-encoded).',
    ),
  jwtRefreshInvalid: (detail: string) =>
    make(
      'gateway:jwt.invalid',
      401,
      `The JWT-TOKEN refresh was refused: ${detail}`,
      "Send 'JWT-TOKEN?jwtToken=<a valid token for the same subject>'.",
    ),
  /** Ditto's SubscriptionNotFoundException (search protocol) and its streaming counterpart. */
  subscriptionNotFound: (subscriptionId: string, streaming = false) =>
    make(
      streaming ? 'streaming.subscription.not.found' : 'thing-search:subscription.not.found',
      404,
      `No subscription with ID '${subscriptionId}' exists.`,
      'Use the subscriptionId of a "created" event of this WebSocket whose subscription has not ended.',
    ),
  /** Ditto's SubscriptionProtocolErrorException: the client broke the reactive-streams protocol. */
  subscriptionProtocolError: (detail: string, streaming = false) =>
    make(
      streaming
        ? 'streaming.subscription.protocol.error'
        : 'thing-search:subscription.protocol.error',
      400,
      detail,
      'Ensure the subscription protocol is followed: subscribe, then request a positive demand, and cancel.',
    ),
  eventStreamNotAcceptable: (detail: string) =>
    make(
      'gateway:sse.notacceptable',
      406,
      `The event stream cannot be served: ${detail}`,
      'Check the parameters of the event stream request (see https://eclipse.dev/ditto/httpapi-sse.html).',
    ),
  // --- messages, live channel, acknowledgements, CloudEvents ---
  messageTimeout: (seconds: number) =>
    make(
      'messages:message.timeout',
      408,
      `The Message reached the specified timeout of ${seconds} seconds.`,
      'Try increasing the Message timeout or ensure that the recipient of the Message responds in time.',
    ),
  messageSendNotAllowed: (thingId: string) =>
    make(
      'messages:send.notallowed',
      403,
      `You are not allowed to send messages for the Thing with id '${thingId}'!`,
      'Please make sure that the Thing exists and that you have WRITE permissions on the message resource in the policy of the Thing.',
    ),
  messageSubjectInvalid: (subject: string) =>
    make(
      'messages:subject.invalid',
      400,
      `The subject '${subject}' is not valid.`,
      'A message subject is a non-empty path of URI segments (RFC 3986), e.g. ask or lamp/turnOff.',
    ),
  correlationIdInUse: (id: string) =>
    make(
      'header.invalid',
      400,
      `The correlation-id '${id}' is already used by a request that waits for its answer.`,
      'Give every message or live command its own correlation-id, or leave it out to get a generated one.',
    ),
  liveResponseInvalid: (detail: string) =>
    make(
      'protocoladapter:unknown.topic',
      400,
      `The live response could not be matched: ${detail}`,
      "A response names the command's thing and criterion in its topic and carries its correlation-id and a 'status'.",
    ),
  ackRequestTimeout: (timeoutMs: number) =>
    make(
      'acknowledgement:request.timeout',
      408,
      `The acknowledgement request reached the specified timeout of ${timeoutMs}ms.`,
      'Try increasing the timeout and make sure that the requested acknowledgement is sent back in time.',
    ),
  ackLabelNotDeclared: (label: string) =>
    make(
      'acknowledgement:label.not.declared',
      400,
      `Cannot send acknowledgement with label <${label}>, which is not declared.`,
      'Declare the label when connecting (declared-acks), e.g. /ws/2?declared-acks=my-ack.',
    ),
  ackLabelReserved: (label: string) =>
    make(
      'acknowledgement:label.invalid',
      400,
      `The acknowledgement label <${label}> cannot be declared or issued by a subscriber: Twinfold issues it itself.`,
      "Use a label of your own (3 to 165 characters of a-z, A-Z, 0-9, '-', '_', ':').",
    ),
  ackNotForWrite: (label: string) =>
    make(
      'header.invalid',
      400,
      `The acknowledgement '${label}' applies to live messages and live commands only, not to twin writes. Nothing was written.`,
      "Request 'twin-persisted', 'search-persisted' or labels declared by subscribers.",
    ),
  liveChannelHeaderNotHere: (name: string, method: string, path: string) =>
    make(
      'header.invalid',
      400,
      `The header '${name}' has no effect on ${method} ${path}: it applies to live retrieve commands (GET of a thing resource) only.`,
      `Leave '${name}' out of this request.`,
    ),
  cloudEventPayloadMissing: () =>
    make(
      'cloudevent.payload.missing',
      400,
      "The Cloud Event's payload is missing.",
      'Ensure to provide payload in the Cloud Event.',
    ),
  cloudEventUnparsable: (detail: string) =>
    make(
      'cloudevent.unparsable',
      400,
      `Unable to parse as Cloud Event because of: <${detail}>`,
      'Check that the CloudEvent is correct (binary mode: ce-specversion, ce-id, ce-source, ce-type headers; structured mode: application/cloudevents+json) and that its data is a Ditto Protocol message.',
    ),
  cloudEventDataSchemaUnsupported: (schema: string) =>
    make(
      'cloudevent.dataschema.unsupported',
      400,
      `The provided Cloud Event dataschema <${schema}> is not supported for this resource.`,
      "The dataschema must start with 'ditto:', e.g. ditto:some-schema, or be left out.",
    ),
  // --- time series ---
  seriesNotFound: (thingId: string, pointer: string) =>
    make(
      'timeseries:series.notfound',
      404,
      `The series of '/${pointer}' of the Thing with ID '${thingId}' could not be found or the requester had insufficient permissions to access it.`,
      'Check the Thing ID and the pointer; a series exists once a number, boolean or string was written there. GET /api/2/timeseries/things/{thingId} lists the series of a twin.',
    ),
  /** A query parameter of a series request that does not parse or does not fit the others. */
  seriesParameterInvalid: (parameter: string, detail: string) =>
    make(
      'timeseries:parameter.invalid',
      400,
      `The parameter '${parameter}' is invalid: ${detail}`,
      'Times are ISO-8601, epoch ms or relative (now, now-7d); steps are durations (30s, 5m, 1h, 1d); agg is a comma list of avg, min, max, sum, count, first, last; fill is null, previous, linear or none.',
    ),
  seriesTooManyPoints: (points: number, limit: number) =>
    make(
      'timeseries:points.toomany',
      400,
      `The answer would hold ${points} points, more than the ${limit} allowed.`,
      'Ask for a shorter range (from, to), or a larger step (e.g. step=1h) to get aggregated buckets instead of raw points.',
    ),
  /** A backfill, query or retention body that does not validate; `field` names the field at fault. */
  seriesBodyInvalid: (field: string, detail: string) =>
    make(
      'timeseries:body.invalid',
      400,
      `The field '${field}' is invalid: ${detail}`,
      'Fix the field named and send the request again; see the API documentation at /api/2/docs.',
    ),
  seriesRetentionForbidden: (namespace: string) =>
    make(
      'timeseries:retention.forbidden',
      403,
      `The retention of the namespace '${namespace}' may not be managed by the requester.`,
      'Retention deletes the data of every twin of a namespace: ask an administrator to set it.',
    ),
  seriesRetentionNotFound: (namespace: string) =>
    make(
      'timeseries:retention.notfound',
      404,
      `The namespace '${namespace}' has no retention set: its points are kept for ever.`,
      'Set one with PUT /api/2/timeseries/retention/{namespace}.',
    ),
  seriesKindMismatch: (thingId: string, pointer: string, expected: string, actual: string) =>
    make(
      'timeseries:kind.mismatch',
      400,
      `The series of '/${pointer}' of the Thing with ID '${thingId}' holds ${expected} values; a ${actual} value cannot join it.`,
      `Send ${expected} values for this property.`,
    ),
  // --- types (twin behaviour) and alerts ---
  /** A type id that is not `namespace:name:version`. */
  typeIdInvalid: (id: string) =>
    make(
      'types:id.invalid',
      400,
      `The type ID '${id}' is not valid.`,
      "A type ID is '<namespace>:<name>:<version>', e.g. 'dc:rack:1.0.0': a namespace as for things, a name and a version without ':' or '/'.",
    ),
  /**
   * A type body that does not validate: `where` names the part at fault (`derived/features~1power~1properties~1kw`),
   * `detail` what is wrong with it (for a CEL expression: the expression and the position).
   */
  typeInvalid: (where: string, detail: string) =>
    make(
      'types:type.invalid',
      400,
      `The type is invalid at '${where}': ${detail}`,
      'Fix the part named and send the type again; see "Twin behaviour" in the README for the shape.',
    ),
  typeNotFound: (id: string) =>
    make(
      'types:type.notfound',
      404,
      `The type with ID '${id}' could not be found.`,
      'Check the ID; list the types with GET /api/2/types.',
    ),
  /** A second PUT of a type version with other content: versions are immutable. */
  typeConflict: (id: string) =>
    make(
      'types:type.conflict',
      409,
      `The type with ID '${id}' already exists with other content; a type version never changes.`,
      'Create a new version (e.g. raise the version in the ID) and migrate twins to it with POST /api/2/things/{thingId}/migrateDefinition.',
    ),
  typeInUse: (id: string, count: number) =>
    make(
      'types:type.inuse',
      409,
      `The type with ID '${id}' is used by ${count} twin(s) and cannot be deleted.`,
      'Move those twins to another definition (or delete them) first; find them with GET /api/2/search/things?filter=eq(definition,"<type id>").',
    ),
  typeNotModifiable: (id: string) =>
    make(
      'types:type.notmodifiable',
      403,
      `The type with ID '${id}' may not be managed by the requester.`,
      "Managing a type needs an administrator, or a token scoped to the type's namespace.",
    ),
  /** A write (or an observation) that its twin's type's schema refuses; `pointer` names the value. */
  typeSchemaViolation: (thingId: string, pointer: string, detail: string) =>
    make(
      'wot:payload.validation.error',
      400,
      `The Thing with ID '${thingId}' does not match its type's schema at '${pointer}': ${detail}`,
      "Send a value the type's schema allows (GET /api/2/types/{typeId} shows it), or move the thing to another definition.",
    ),
  /** A client write of a value its twin's type computes. */
  typeOutputNotWritable: (thingId: string, pointer: string, typeId: string) =>
    make(
      'types:output.notmodifiable',
      400,
      `The value at '/${pointer}' of the Thing with ID '${thingId}' is computed by its type '${typeId}' and cannot be written.`,
      'Write the inputs it is computed from instead; GET /api/2/types/{typeId} shows what the type derives.',
    ),
  /** `Accept: application/td+json` of a thing whose definition names no known type. */
  thingDescriptionNotFound: (thingId: string, typeId: string | undefined) =>
    make(
      'wot:thingdescription.notfound',
      404,
      typeId === undefined
        ? `The Thing with ID '${thingId}' has no definition, so it has no WoT Thing Description.`
        : `The Thing with ID '${thingId}' names the definition '${typeId}', which is no known type: it has no WoT Thing Description.`,
      'Give the thing a definition naming a type (PUT /api/2/types/{typeId}, from a WoT Thing Model if you like), or ask for application/json.',
    ),
  thingDescriptionUnsupported: (why: string) =>
    make(
      'wot:thingdescription.unsupported',
      400,
      `A WoT Thing Description cannot be answered here: ${why}.`,
      'Ask a thing (GET /api/2/things/{thingId}) or a feature for application/td+json, without fields or get-metadata.',
    ),
  alertNotFound: (id: string) =>
    make(
      'alerts:alert.notfound',
      404,
      `The alert with ID '${id}' could not be found or the requester had insufficient permissions to access it.`,
      'Check the ID; list the alerts with GET /api/2/alerts.',
    ),
  /** An acknowledgement of a resolved alert. */
  alertResolved: (id: string) =>
    make(
      'alerts:alert.resolved',
      409,
      `The alert with ID '${id}' is resolved and cannot be acknowledged any more.`,
      'Acknowledge an active alert; list them with GET /api/2/alerts?state=active.',
    ),
  alertNotModifiable: (id: string) =>
    make(
      'alerts:alert.notmodifiable',
      403,
      `The alert with ID '${id}' may not be acknowledged by the requester.`,
      "Acknowledging needs WRITE on thing:/_alerts/<assessment> (or above it) in the twin's policy.",
    ),
  alertQueryInvalid: (field: string, detail: string) =>
    make(
      'alerts:query.invalid',
      400,
      `The alert parameter '${field}' is invalid: ${detail}`,
      'Fix the parameter named; see the API documentation at /api/2/docs.',
    ),
  replayRequestInvalid: (field: string, detail: string) =>
    make(
      'replays:request.invalid',
      400,
      `The replay field '${field}' is invalid: ${detail}`,
      'Send {"type": "ns:name:version", "filter": "<RQL>", "from", "to", "into": "<namespace>"}; see "Replay" in the README.',
    ),
  replayTypeUnknown: (typeId: string) =>
    make(
      'replays:type.unknown',
      400,
      `The replay names the type '${typeId}', which does not exist or may not be seen by the requester.`,
      'Check the type id; list the types with GET /api/2/types.',
    ),
  replayIntoLive: (namespace: string) =>
    make(
      'replays:into.live',
      400,
      `The replay would write into '${namespace}', a namespace of twins it replays: live twins are never written by a replay.`,
      'Choose a scenario namespace of its own for into (for example the namespace with a suffix).',
    ),
  replayTooManyTwins: (count: number, max: number) =>
    make(
      'replays:request.invalid',
      400,
      `The replay field 'filter' is invalid: it selects more than ${max} twins (at least ${count}).`,
      'Narrow the filter, or replay the twins in several parts.',
    ),
  replayBusy: (running: number) =>
    make(
      'replays:busy',
      429,
      `${running} replay is running on this node; replays run one at a time so that live ingest keeps its pace.`,
      'Wait for it to finish (GET /api/2/replays) and send the replay again.',
    ),
  replayNotFound: (id: string) =>
    make(
      'replays:replay.notfound',
      404,
      `The replay with ID '${id}' could not be found.`,
      'The last 100 replays are kept, across restarts; a replay is shown to its requester and to administrators. List them with GET /api/2/replays.',
    ),
  // --- definition migrations (Ditto's migrateDefinition, and Twinfold's bulk form) ---
  migrationRequestInvalid: (field: string, detail: string) =>
    make(
      'things:migration.request.invalid',
      400,
      `The migration field '${field}' is invalid: ${detail}`,
      'Send {"thingDefinitionUrl": "ns:name:version", "migrationPayload": {...}, "patchConditions": {...}, "initializeMissingPropertiesFromDefaults": false}; see "Type evolution" in the README.',
    ),
  /** Ditto's `SkeletonGenerationFailedException`: the definition names no type known here. */
  skeletonGenerationFailed: (definition: string) =>
    make(
      'wot:skeleton.generation.failed',
      400,
      `Failed to generate a valid skeleton for the definition: '${definition}'.`,
      'The provided ThingDefinition could not be used to generate a valid skeleton. Name a type of GET /api/2/types (ns:name:version, or its URL .../api/2/types/ns:name:version).',
    ),
  /** Ditto's `UnresolvedPlaceholderException` (a `thing-json` placeholder of a migration payload). */
  placeholderUnresolved: (placeholder: string) =>
    make(
      'placeholder:unresolved',
      400,
      `The placeholder '${placeholder}' could not be resolved.`,
      'Some placeholders could not be resolved. Check the spelling of the placeholder and that the thing has a value at its JSON pointer.',
    ),
  migrationNotFound: (id: string) =>
    make(
      'things:migration.notfound',
      404,
      `The migration with ID '${id}' could not be found.`,
      'The last 100 bulk migrations are kept, across restarts; a migration is shown to its requester and to administrators. List them with GET /api/2/migrations.',
    ),
  migrationTooManyTwins: (count: number, max: number) =>
    make(
      'things:migration.toomany',
      400,
      `The filter selects ${count} or more twins; one migration takes at most ${max}.`,
      'Narrow the filter (by namespace or attribute) and migrate in several parts.',
    ),
  // --- what-if forks (Twinfold): twins copied as they were into a scenario namespace ---
  forkRequestInvalid: (field: string, detail: string) =>
    make(
      'forks:request.invalid',
      400,
      `The fork field '${field}' is invalid: ${detail}`,
      'Send {"filter": "<RQL>", "at": "<ISO-8601 time>", "into": "<scenario namespace>"}; see "What-if forks" in the README.',
    ),
  forkNamespaceTaken: (namespace: string, detail: string) =>
    make(
      'forks:namespace.taken',
      409,
      `The scenario namespace '${namespace}' cannot take a fork: ${detail}`,
      'Choose a scenario namespace of its own (such as "whatif.a"), or delete the fork there first with DELETE /api/2/forks/{namespace}.',
    ),
  forkNotFound: (namespace: string) =>
    make(
      'forks:fork.notfound',
      404,
      `There is no fork in the namespace '${namespace}', or the requester may not see it.`,
      'List the forks with GET /api/2/forks.',
    ),
  forkTooManyTwins: (count: number, max: number) =>
    make(
      'forks:fork.toomany',
      400,
      `The filter selects ${count} or more twins; one fork takes at most ${max}.`,
      'Narrow the filter and fork fewer twins.',
    ),
  // --- relations (Twinfold): named, directed edges between twins ---
  relationNotFound: (thingId: string, name: string, target: string) =>
    make(
      'relations:relation.notfound',
      404,
      `The relation '${name}' from the Thing with ID '${thingId}' to '${target}' could not be found or the requester had insufficient permissions to access it.`,
      'Check the relation name and target; list the relations with GET /api/2/things/{thingId}/relations.',
    ),
  relationTargetNotFound: (target: string) =>
    make(
      'relations:target.notfound',
      404,
      `The target Thing with ID '${target}' could not be found or requester had insufficient permissions to access it.`,
      'A relation points at a Thing that exists and that you may read: check the target ID.',
    ),
  relationToItself: (thingId: string) =>
    make(
      'relations:target.invalid',
      400,
      `The Thing with ID '${thingId}' cannot be related to itself.`,
      'Name another Thing as the target of the relation.',
    ),
  relationNameInvalid: (name: string) =>
    make(
      'relations:name.invalid',
      400,
      `The relation name '${name}' is invalid.`,
      "A relation name is 1 to 64 characters of A-Z, a-z, 0-9, '_', '.' and '-' (not '__proto__'), e.g. 'partOf'.",
    ),
  relationPropertiesInvalid: () =>
    make(
      'relations:properties.invalid',
      400,
      'The properties of a relation must be a JSON object.',
      'Send a JSON object (e.g. {"since":"2024-01-01"}), or no body for a relation without properties.',
    ),
  relationNotModifiable: (target: string) =>
    make(
      'relations:relation.notmodifiable',
      403,
      `The relations pointing at the Thing with ID '${target}' may not be changed by the requester.`,
      "Adding or removing a relation needs WRITE on 'thing:/' of both the source and the target Thing.",
    ),
  relationsNotSettable: () =>
    make(
      'relations:relations.notsettable',
      400,
      "The '_relations' of a Thing cannot be set in the Thing JSON.",
      'Add and remove relations with PUT and DELETE /api/2/things/{thingId}/relations/{name}/{targetThingId}.',
    ),
  relationQueryInvalid: (parameter: string, detail: string) =>
    make(
      'relations:query.invalid',
      400,
      `The relations parameter '${parameter}' is invalid: ${detail}`,
      'Use direction=out|in, name=<relation name> and depth=1..16; see the API documentation at /api/2/docs.',
    ),
  // --- datacenters (Twinfold): the datacenter twin on the server ---
  datacenterInputInvalid: (message: string) =>
    make(
      'datacenters:input.invalid',
      400,
      `A datacenter input cannot be used: ${message}`,
      'Fix the file and field named (OpenDC topology JSON, workload tasks.parquet/fragments.parquet, measured power, carbon trace); see "Datacenter twin on the server" in the README.',
    ),
  datacenterRequestInvalid: (field: string, detail: string) =>
    make(
      'datacenters:request.invalid',
      400,
      `The datacenter field '${field}' is invalid: ${detail}`,
      'Send {"workload": "<dir>", "topology": "<file>" | {…}, "power": "<file>", "carbon", "speed", "window", "exportInterval", "calibrate", "out"}; see "Datacenter twin on the server" in the README.',
    ),
  datacenterNotFound: (id: string) =>
    make(
      'datacenters:datacenter.notfound',
      404,
      `The datacenter with ID '${id}' could not be found.`,
      'Start its shadow run with POST /api/2/datacenters/{id}/shadow; list them with GET /api/2/datacenters.',
    ),
  datacenterShadowRunning: (id: string) =>
    make(
      'datacenters:shadow.running',
      409,
      `A shadow run of the datacenter '${id}' is already running.`,
      'Wait for it to finish (GET /api/2/datacenters/{id}/shadow) or stop it (DELETE) first.',
    ),
  datacenterShadowRequired: (id: string) =>
    make(
      'datacenters:shadow.required',
      409,
      `The datacenter '${id}' has no shadow run: a what-if simulates beside one.`,
      'Start the shadow run first with POST /api/2/datacenters/{id}/shadow.',
    ),
  datacenterWhatIfNotFound: (id: string, name: string) =>
    make(
      'datacenters:whatif.notfound',
      404,
      `The what-if '${name}' of the datacenter '${id}' could not be found.`,
      'Create it with PUT /api/2/datacenters/{id}/whatif/{name}; GET /api/2/datacenters/{id} lists them.',
    ),
  datacenterPlotNotFound: (id: string) =>
    make(
      'datacenters:plot.notfound',
      404,
      `The shadow run of the datacenter '${id}' has not written its power plot yet.`,
      'The plot is written when the run ends (succeeded or stopped); poll GET /api/2/datacenters/{id}/shadow.',
    ),
  datacenterQueryInvalid: (parameter: string, detail: string) =>
    make(
      'datacenters:query.invalid',
      400,
      `The datacenter parameter '${parameter}' is invalid: ${detail}`,
      'Fix the parameter named; see the API documentation at /api/2/docs.',
    ),
  // --- experiments (Twinfold): OpenDT-style experiment runs on the server ---
  experimentConfigInvalid: (message: string) =>
    make(
      'experiments:config.invalid',
      400,
      `The experiment config cannot be used: ${message}`,
      'Send the config as JSON or application/yaml with the keys of `twinfold experiment run` (no output: runs go to the server\'s experiments folder); see "Experiments on the server" in the README.',
    ),
  experimentRequestInvalid: (field: string, detail: string) =>
    make(
      'experiments:request.invalid',
      400,
      `The experiment parameter '${field}' is invalid: ${detail}`,
      'An experiment name is 1-100 of A-Z a-z 0-9 . _ - (not starting with . _ -); a run is a whole number from 1.',
    ),
  experimentRunNotFound: (name: string, run: string) =>
    make(
      'experiments:run.notfound',
      404,
      `The run ${run} of the experiment '${name}' could not be found.`,
      'List the experiments and their runs with GET /api/2/experiments.',
    ),
  experimentFileNotFound: (name: string, run: number, file: string) =>
    make(
      'experiments:file.notfound',
      404,
      `The run ${run} of the experiment '${name}' has no ${file} (yet).`,
      'The files are written when the run ends; poll GET /api/2/experiments/{name}/runs/{run}.',
    ),
  experimentRunRunning: (name: string, run: number) =>
    make(
      'experiments:run.running',
      409,
      `The run ${run} of the experiment '${name}' is still running.`,
      'Wait until it has ended (GET /api/2/experiments/{name}/runs/{run}) and delete it then.',
    ),
  experimentsClosing: () =>
    make(
      'experiments:server.closing',
      503,
      'The server is stopping: no experiment run can start now.',
      'Start the run again once the server is back.',
    ),
};
