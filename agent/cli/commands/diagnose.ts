import { configPathFrom, loadConfig } from '../../config/load-config.js';
import { resolveSecretRef } from '../../secrets/resolve-secret-ref.js';
import { diagnoseExitStatus, diagnoseJson, diagnoseText } from '../../diagnose/diagnose-report.js';
import { runDiagnosis } from '../../diagnose/run-diagnosis.js';
import { openSecretStore } from '../../secrets/open-secret-store.js';
import type { SecretStore } from '../../secrets/secret-store.js';
import { parseFlags } from '../args.js';
import { CommandSpecs } from '../command-specs.js';

/**
 * `diagnose --config F [--json]`: walks the network path to the service and to every directory URL,
 * one line per step with the fix. Exit 0 all OK, 1 a step failed, 2 could not run (configuration).
 */
export async function diagnoseCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, CommandSpecs.diagnose.options, 'diagnose');
  const config = await loadConfig(configPathFrom(values.config));
  // The secret store is opened only when a bind password lives there, and its failure fails that bind only.
  let store: Promise<SecretStore> | null = null;
  const lines = await runDiagnosis(config, {
    bindPassword: async (index) => {
      const ref = config.directories[index]!.bindPassword;
      try {
        if ('secret' in ref) store ??= openSecretStore(config.secretStore, { stateDir: config.stateDir });
        return { ok: true, value: await resolveSecretRef(ref, 'secret' in ref && store !== null ? await store : null, { path: `directories[${index}].bindPassword` }) };
      } catch (error) {
        // ConfigError and SecretStoreError name the variable, file or secret, never the value.
        return { ok: false, reason: (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'cannot be read' };
      }
    },
  });
  process.stdout.write(values.json ? `${JSON.stringify(diagnoseJson(lines), null, 2)}\n` : diagnoseText(lines));
  return diagnoseExitStatus(lines);
}
