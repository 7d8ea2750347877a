import { join } from 'node:path';

/** Where each piece of agent state lives under `stateDir` (one place, so status and install agree). */
export function statePaths(stateDir: string): { registration: string; journal: string; secrets: string } {
  return {
    /** Written by RegistrationState (conf adds `.json`). */
    registration: join(stateDir, 'registration.json'),
    journal: join(stateDir, 'journal.jsonl'),
    /** Only with `"secretStore": "file"`. */
    secrets: join(stateDir, 'secrets.json'),
  };
}
