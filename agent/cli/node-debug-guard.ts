/**
 * NODE_DEBUG=ldapts makes ldapts print every LDAP request it sends to stderr, password writes
 * included (it masks only a bind's password field): a password in a log. The agent refuses to run
 * with it rather than trust that nobody collects stderr. Node matches NODE_DEBUG's
 * comma-separated names case-insensitively, `*` standing for any characters.
 */
export function nodeDebugLeak(nodeDebug: string | undefined): string | null {
  if (nodeDebug === undefined) return null;
  for (const part of nodeDebug.split(',')) {
    const name = part.trim();
    if (name === '') continue;
    const pattern = new RegExp(`^${name.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
    if (pattern.test('ldapts')) return name;
  }
  return null;
}
