import type { AgentConfig, AgentDirectoryConfig } from './agent-config.js';

/**
 * The directory a command addresses: its `directory` member, or the default (defaultDirectory, else
 * the first listed) when absent. null when the id is not configured.
 */
export function selectDirectory(config: Pick<AgentConfig, 'directories' | 'defaultDirectory'>, id: string | undefined): AgentDirectoryConfig | null {
  const wanted = id ?? config.defaultDirectory ?? config.directories[0]?.id;
  return config.directories.find((d) => d.id === wanted) ?? null;
}
