/** Names and places the service installers use unless told otherwise (one table, used by code and docs). */
export const ServiceDefaults = {
  /** systemd unit name (without `.service`) and WinSW service id. */
  name: 'writeback-agent',
  /** Linux system account the agent runs as. */
  user: 'writeback-agent',
  systemdUnitDir: '/etc/systemd/system',
  /** Optional `KEY=value` file for `{ "env": NAME }` bind passwords; a missing file is fine. */
  environmentFile: '/etc/writeback-agent/writeback-agent.env',
  /** Where LoadCredential= reads plain credential files from (systemd's own convention). */
  credentialStore: '/etc/credstore',
  /** Where LoadCredentialEncrypted= reads `systemd-creds encrypt` output from. */
  encryptedCredentialStore: '/etc/credstore.encrypted',
  /** systemd puts a unit's credentials here; `$CREDENTIALS_DIRECTORY` in the service's environment. */
  credentialsRuntimeDir: '/run/credentials',
  nologinShell: '/usr/sbin/nologin',
  /**
   * Node flags the service runs `run` with: a cap on V8's young generation, which otherwise grows
   * under load and keeps its size (RSS climbs while the JS heap does not), and gc() for the agent's
   * RSS-driven collections (runtime/garbage-collection.ts). Both must be on node's command line.
   */
  runNodeFlags: ['--max-semi-space-size=8', '--expose-gc'],
  /**
   * Environment of the Linux service (a glibc malloc tunable; other platforms ignore it). glibc
   * gives each thread that allocates (V8's compiler and GC workers, libuv's pool) an arena of its
   * own, and memory freed inside an arena stays resident; two arenas keep less of it.
   */
  runEnvironment: { MALLOC_ARENA_MAX: '2' },
  restartSec: 5,
  /** The agent promises to exit within 10 s of SIGTERM; 15 s leaves margin before SIGKILL. */
  stopTimeoutSec: 15,
  /** Windows: WinSW's directory (the renamed WinSW-x64.exe and the XML), under %ProgramData%. */
  windowsServiceSubdir: 'writeback-agent\\service',
  windowsLogSubdir: 'writeback-agent\\logs',
} as const;
