// Run in a child process by keychain-secret-store.test.ts: the Linux kernel keyring refuses worker
// threads (ava's default), so the round trip has to happen on a main thread.
import { Entry } from '@napi-rs/keyring';
import { KeychainSecretStore } from '../../../../agent/secrets/keychain-secret-store.js';

// In a process without a session keyring of its own (containers, CI) the first kernel keyring
// calls answer AccessDenied while the keyring is being set up; warm it up first.
const warmUp = new Entry('writeback-agent-warm-up', 'warm-up', { linux: { store: 'keyutils' } });
for (let attempt = 0; attempt < 5; attempt++) {
  try {
    warmUp.setPassword('x');
    warmUp.deletePassword();
    break;
  } catch {
    // retried
  }
}

const store = await KeychainSecretStore.open({ service: `writeback-agent-test-${process.pid}`, linuxStore: 'keyutils' });
const steps: unknown[] = [store.kind, await store.get('agent-signing-key')];
await store.set('agent-signing-key', 'private-key-material');
steps.push(await store.get('agent-signing-key'), await store.delete('agent-signing-key'), await store.delete('agent-signing-key'), await store.get('agent-signing-key'));
process.stdout.write(JSON.stringify(steps));
