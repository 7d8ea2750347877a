import { encodeMessage, signCommand, type Command, type CommandTarget, type SealedSecret } from '../../protocol/index.js';
import type { CommandRow } from '../db/database-schema.js';
import type { LoadedSigningKey } from '../keys/signing-keys.js';

/**
 * Builds C (SPEC.md section 6) for one agent from the stored row and that agent's sealed copy, and
 * signs it. Everything comes from the database, so a redelivery from any node is the same C.
 */
export function commandFrame(row: CommandRow, agentId: string, sealed: string | null, key: LoadedSigningKey): string {
  const command: Command = {
    id: row.id,
    tenantId: row.tenant_id,
    agentId,
    op: row.op,
    ...(row.directory === null ? {} : { directory: row.directory }),
    ...(row.target === null ? {} : { target: JSON.parse(row.target) as CommandTarget }),
    params: JSON.parse(row.params) as Record<string, unknown>,
    ...(sealed === null ? {} : { secret: JSON.parse(sealed) as SealedSecret }),
    issuedAt: row.issued_at,
    expiresAt: row.expires_at,
  };
  return encodeMessage(signCommand(command, key.kid, key.privateKey));
}
