import type { KeyObject } from 'node:crypto';
import type { TargetKind } from './codes.js';
import type { DirectoriesMessage } from './messages.js';
import { signCanonical, verifyCanonical } from './signature.js';

/**
 * The directory kinds an agent may report (docs/protocol.md, "Directories"). A report may name a
 * kind this table lacks (a newer agent); the receiver then treats that directory's kind as unknown.
 */
export const DirectoryKind = {
  activeDirectory: 'activeDirectory',
  openldap: 'openldap',
} as const;
export type DirectoryKind = (typeof DirectoryKind)[keyof typeof DirectoryKind];

/** The target kind a user of each directory kind is named by when the sender names none (SERVICE-INTERFACE.md, `--by`). */
export const DEFAULT_TARGET_KIND = {
  activeDirectory: 'sAMAccountName',
  openldap: 'uid',
} as const satisfies Record<DirectoryKind, TargetKind>;

/** At most this many directories in one report; ids and kinds as in the agent's configuration. */
export const MAX_REPORTED_DIRECTORIES = 32;
/** A directory id or kind on the wire: a letter or digit, then letters, digits, `.`, `_` or `-`. */
export const DIRECTORY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export type UnsignedDirectories = Omit<DirectoriesMessage, 'type' | 'signature'>;

export function isDirectoryKind(kind: string): kind is DirectoryKind {
  return Object.hasOwn(DirectoryKind, kind);
}

/** The agent's report, signed by its key over JCS(the message without `signature`). */
export function signDirectories(report: UnsignedDirectories, agentSigningKey: KeyObject): DirectoriesMessage {
  const body = {
    type: 'directories' as const,
    agentId: report.agentId,
    directories: report.directories.map((d) => ({ id: d.id, kind: d.kind })),
    defaultDirectory: report.defaultDirectory,
    sentAt: report.sentAt,
  };
  return { ...body, signature: signCanonical(body, agentSigningKey) };
}

/** True when the agent's key signed exactly this report; never throws. */
export function verifyDirectories(message: DirectoriesMessage, agentPublicKey: KeyObject): boolean {
  const { signature, ...body } = message;
  return verifyCanonical(body, signature, agentPublicKey);
}
