import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Kysely } from 'kysely';
import { parseCommandRequest } from '../commands/command-request.js';
import { viewCommand } from '../commands/command-view.js';
import { staleAfterMs, viewAgent } from '../commands/agent-view.js';
import { generatePassword } from '../commands/generate-password.js';
import { agentIdArgument, removeAgent } from '../commands/remove-agent.js';
import { submitCommand } from '../commands/submit-command.js';
import type { ServiceDatabase } from '../db/database-schema.js';
import { isServiceError, ServiceError, type ServiceErrorKind } from '../errors.js';
import type { NodeContext } from '../gateway/node-context.js';
import { errorName } from '../logger.js';
import { checkAdminToken } from '../store/admin-tokens.js';
import { listAgents } from '../store/agents.js';
import { findTenant } from '../store/tenants.js';
import { readJsonBody, sendJson, type HttpPart } from './http-router.js';

export const API_PREFIX = '/api/v1';
const MAX_BODY_BYTES = 16 * 1024;

const STATUS_OF: Record<ServiceErrorKind, number> = { CONFIG: 500, USAGE: 400, NOT_FOUND: 404, NOT_SENT: 409, CONFLICT: 409, DATABASE: 503 };

/**
 * The admin API (SERVICE-INTERFACE.md): JSON, bearer tokens from `writeback-service admin-token
 * create`. It runs the same code as the command line (commands/), so both behave alike.
 *
 *   GET  /api/v1/health                          (no token) the node is up
 *   GET  /api/v1/tenants/{t}/agents              the tenant's agents
 *   DELETE /api/v1/tenants/{t}/agents/{id}[?force=true]  removes a stale agent record (agents remove)
 *   POST /api/v1/tenants/{t}/commands            {op, target, params, directory?, secret? | newPassword? | generate?}
 *   GET  /api/v1/tenants/{t}/commands/{id}       state and, once done, the signed result
 */
export function adminApi(context: NodeContext, onSubmitted: () => void = () => undefined): HttpPart {
  return {
    prefix: API_PREFIX,
    async handle(request, response, path) {
      try {
        await route(context, request, response, path.slice(API_PREFIX.length), onSubmitted);
      } catch (error) {
        if (isServiceError(error)) return sendJson(response, STATUS_OF[error.code], { error: error.code, message: error.message });
        context.logger.error('admin API request failed', { error: errorName(error) });
        sendJson(response, 500, { error: 'INTERNAL', message: 'internal error' });
      }
    },
  };
}

async function route(context: NodeContext, request: IncomingMessage, response: ServerResponse, path: string, onSubmitted: () => void): Promise<void> {
  const { db } = context.store;
  if (path === '/health' && request.method === 'GET') return sendJson(response, 200, { ok: true, nodeId: context.nodeId });
  const caller = await authenticate(db, request);
  if (caller === null) return sendJson(response, 401, { error: 'UNAUTHORIZED', message: 'send Authorization: Bearer TOKEN (create one with `writeback-service admin-token create`)' });
  const match = /^\/tenants\/([^/]+)\/(agents|commands)(?:\/([^/]+))?$/.exec(path);
  if (match === null) return sendJson(response, 404, { error: 'NOT_FOUND', message: 'no such API path' });
  const [, tenantRef = '', collection, id] = match;
  const tenant = await findTenant(db, pathPart(tenantRef));
  if (collection === 'agents' && id === undefined && request.method === 'GET') {
    const now = context.now();
    return sendJson(response, 200, { agents: (await listAgents(db, tenant.id)).map((a) => viewAgent(a, now, context.config.agents.heartbeatIntervalMs)) });
  }
  if (collection === 'agents' && id !== undefined && request.method === 'DELETE') {
    const force = new URL(request.url ?? '/', 'http://service').searchParams.get('force') === 'true';
    const removal = await removeAgent(db, {
      tenantId: tenant.id,
      agentId: agentIdArgument(pathPart(id), '{id} in the path'),
      force,
      staleMs: staleAfterMs(context.config.agents.heartbeatIntervalMs),
      now: context.now(),
    });
    context.logger.info('agent removed', { tenantId: tenant.id, agentId: removal.agentId, by: caller, wasConnected: removal.wasConnected, expired: removal.expired, retiredKeys: removal.retiredKeys });
    return sendJson(response, 200, removal);
  }
  if (collection === 'commands' && id === undefined && request.method === 'POST') {
    const body = await readJsonBody(request, MAX_BODY_BYTES);
    if (body === null || typeof body !== 'object') return sendJson(response, 400, { error: 'USAGE', message: `the body must be a JSON object of at most ${MAX_BODY_BYTES} bytes` });
    const { newPassword, generate, ...rest } = body as Record<string, unknown>;
    const generated = generate === true ? generatePassword() : null;
    const password = generated ?? newPassword;
    const request_ = parseCommandRequest(password === undefined ? rest : { ...rest, secret: { newPassword: password } });
    const submitted = await submitCommand(context.store, { tenantId: tenant.id, request: request_, submittedBy: caller, defaultTtlMs: context.config.commands.defaultTtlMs, now: context.now() });
    context.logger.info('command submitted', { tenantId: tenant.id, commandId: submitted.id, op: request_.op, by: caller });
    onSubmitted();
    return sendJson(response, 202, { id: submitted.id, state: 'queued', expiresAt: submitted.expiresAt, ...(generated === null ? {} : { generatedPassword: generated }) });
  }
  if (collection === 'commands' && id !== undefined && request.method === 'GET') return sendJson(response, 200, await viewCommand(db, tenant.id, pathPart(id)));
  sendJson(response, 405, { error: 'METHOD_NOT_ALLOWED', message: 'method not allowed here' });
}

/** A decoded path segment; a malformed escape is the caller's usage error, not an internal one. */
function pathPart(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ServiceError('USAGE', 'the path holds a malformed %-escape');
  }
}

async function authenticate(db: Kysely<ServiceDatabase>, request: IncomingMessage): Promise<string | null> {
  const header = request.headers.authorization ?? '';
  const match = /^Bearer ([A-Za-z0-9_-]{16,200})$/.exec(header);
  return match === null ? null : checkAdminToken(db, match[1]!);
}
