import { randomBytes } from 'node:crypto';
import { bestMatch } from '../ad/modify-entry.js';
import { readEntry } from '../ad/read-entry.js';
import { readRootDse } from '../ad/root-dse.js';
import { evaluateFilter } from '../filter/evaluate-filter.js';
import type { Filter } from '../filter/filter.js';
import { planCandidates } from '../filter/plan-candidates.js';
import { LdapResultCode } from '../../ldap-constants/ldap-result-codes.js';
import type { LdapControl } from '../protocol/control.js';
import type { LdapOperation } from '../protocol/ldap-request.js';
import { encodeResult, encodeSearchEntry } from '../protocol/encode-response.js';
import { ProtocolOp } from '../protocol/protocol-op.js';
import { SimError } from '../sim-error.js';
import type { DirectoryStore } from '../store/directory-store.js';
import type { Entry } from '../store/entry.js';
import { pagedResultsRequest, pagedResultsResponse, sdFlags } from './control-values.js';
import type { OperationContext } from './operation-context.js';

type SearchOperation = LdapOperation & { type: 'search' };

/** Keys of the entries in scope that match, found through an index when the filter allows it. */
export function matchingKeys(store: DirectoryStore, base: Entry, operation: Pick<SearchOperation, 'scope' | 'filter'>): string[] {
  const inScope = (entry: Entry): boolean => (operation.scope === 'base' ? entry.key === base.key : operation.scope === 'one' ? entry.parentKey === base.key : store.isWithin(entry.key, base.key));
  const matches = (entry: Entry): boolean => inScope(entry) && evaluateFilter(operation.filter, entry, store);
  if (operation.scope === 'base') return matches(base) ? [base.key] : [];
  const planned = planCandidates(operation.filter, store);
  const keys: string[] = [];
  if (planned) {
    for (const key of planned) {
      const entry = store.getByKey(key);
      if (entry && matches(entry)) keys.push(key);
    }
    return keys;
  }
  const candidates = operation.scope === 'one' ? store.children(base.key) : store.subtree(base.key);
  for (const entry of candidates) if (matches(entry)) keys.push(entry.key);
  return keys;
}

function isRootDseFilter(filter: Filter): boolean {
  return filter.kind === 'present' || filter.kind === 'and' || filter.kind === 'or';
}

const sizeLimitText = 'Size Limit Exceeded';

/**
 * Search: the rootDSE for base scope on "", otherwise bound callers only. Without paging at most
 * maxPageSize entries come back (then sizeLimitExceeded), as AD's MaxPageSize does.
 */
export async function handleSearch(context: OperationContext, messageId: number, operation: SearchOperation, controls: readonly LdapControl[]): Promise<void> {
  const { directory, identity } = context;
  const { store } = directory;
  const done = (resultCode: number, diagnostic = '', responseControls: LdapControl[] = []): Promise<void> =>
    context.send(messageId, encodeResult(ProtocolOp.searchResultDone, { resultCode, diagnostic }), responseControls);

  if (operation.baseDn === '' && operation.scope === 'base') {
    if (isRootDseFilter(operation.filter)) await context.send(messageId, encodeSearchEntry('', readRootDse(directory, identity, operation.attributes)));
    return done(LdapResultCode.success);
  }
  if (!identity.entry) throw directory.texts.notBound();
  const paged = pagedResultsRequest(controls);
  const readOptions = { attributes: operation.attributes, scope: operation.scope, sdFlags: sdFlags(controls), typesOnly: operation.typesOnly };

  let keys: string[];
  let offset = 0;
  if (paged && paged.cookie.length > 0) {
    const cookieText = paged.cookie.toString('hex');
    const state = context.pagedSearches.get(cookieText);
    // One use per cookie, as AD: a replayed or foreign cookie is refused.
    if (!state) throw new SimError(LdapResultCode.unwillingToPerform, '00002024: LdapErr: DSID-0C090FC3, comment: The cookie is not valid, data 0, v4563');
    context.pagedSearches.delete(cookieText);
    if (paged.size === 0) return done(LdapResultCode.success, '', [pagedResultsResponse(Buffer.alloc(0))]);
    keys = state.keys;
    offset = state.offset;
  } else {
    const base = store.get(operation.baseDn);
    if (!base) throw directory.texts.noSuchSearchBase(operation.baseDn, bestMatch(directory, operation.baseDn));
    keys = matchingKeys(store, base, operation);
  }

  const pageSize = paged ? Math.min(paged.size > 0 ? paged.size : context.maxPageSize, context.maxPageSize) : Infinity;
  const sizeLimit = operation.sizeLimit > 0 ? operation.sizeLimit : Infinity;
  const serverLimit = paged ? Infinity : context.maxPageSize;
  const limit = Math.min(sizeLimit, serverLimit);
  let sent = 0;
  let index = offset;
  while (index < keys.length && sent < pageSize) {
    if (offset + sent >= limit) return done(LdapResultCode.sizeLimitExceeded, sizeLimitText);
    if (context.isAbandoned(messageId)) return;
    const entry = store.getByKey(keys[index++]!);
    if (!entry) continue;
    await context.send(messageId, encodeSearchEntry(entry.dn, readEntry(directory, identity, entry, readOptions)));
    sent++;
  }
  if (!paged) return done(LdapResultCode.success);
  if (index < keys.length) {
    const cookie = randomBytes(8);
    context.pagedSearches.set(cookie.toString('hex'), { keys, offset: index });
    return done(LdapResultCode.success, '', [pagedResultsResponse(cookie, keys.length)]);
  }
  return done(LdapResultCode.success, '', [pagedResultsResponse(Buffer.alloc(0))]);
}
