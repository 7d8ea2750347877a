import type { AgentConfig, AgentDirectoryConfig } from './agent-config.js';

/** The directories a command may address, and the default among them. */
export interface DirectoryChoice {
  directories: readonly { id: string }[];
  defaultDirectory: string | null;
}

/**
 * The id of the directory a command addresses: its `directory` member, or the default
 * (defaultDirectory, else the first listed) when absent; undefined when there is none at all.
 * The one rule for it: the command pipeline chooses through here.
 */
export function selectedDirectoryId(choice: DirectoryChoice, id: string | undefined): string | undefined {
  return id ?? choice.defaultDirectory ?? choice.directories[0]?.id;
}

/** The configured directory a command addresses (selectedDirectoryId); null when the id is not configured. */
export function selectDirectory(config: Pick<AgentConfig, 'directories' | 'defaultDirectory'>, id: string | undefined): AgentDirectoryConfig | null {
  const wanted = selectedDirectoryId(config, id);
  return config.directories.find((d) => d.id === wanted) ?? null;
}
