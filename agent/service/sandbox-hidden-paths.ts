/**
 * Sandbox settings of the unit that hide parts of the file system from the service, with what
 * they hide. systemd-unit.ts writes these settings from this table and linux-install.ts refuses
 * any path the service needs under what they hide, so the two cannot drift apart.
 */
export const SandboxHiddenPaths = {
  /** Empty, inaccessible /home, /root and /run/user. */
  ProtectHome: { setting: 'ProtectHome=yes', paths: ['/home', '/root', '/run/user'], why: 'ProtectHome=yes makes it inaccessible to the service' },
  /** A private, empty /tmp and /var/tmp, thrown away when the service stops. */
  PrivateTmp: { setting: 'PrivateTmp=yes', paths: ['/tmp', '/var/tmp'], why: 'PrivateTmp=yes gives the service a private, empty one' },
} as const;

export type SandboxSetting = keyof typeof SandboxHiddenPaths;

function within(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}

/** The sandbox entry that hides `path` from the service, or null when the service sees it. */
export function hiddenBySandbox(path: string): { dir: string; setting: string; why: string } | null {
  for (const entry of Object.values(SandboxHiddenPaths)) {
    const dir = entry.paths.find((hidden) => within(path, hidden));
    if (dir !== undefined) return { dir, setting: entry.setting, why: entry.why };
  }
  return null;
}
