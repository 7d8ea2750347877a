// Run as `node --expose-gc --import tsx test/helpers/journal-heap-probe.ts <dir> <count>`: fills a
// journal with acknowledged commands and prints the bytes each one keeps (heap and typed arrays), as JSON.
import { join } from 'node:path';
import { Journal } from '../../agent/journal/journal.js';

const [dir = '', countText = '10000'] = process.argv.slice(2);
const count = Number(countText);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

/** The JS heap and the memory behind ArrayBuffers (the index's typed-array columns live there). */
function heapUsed(): number {
  gc!();
  gc!();
  const { heapUsed: heap, arrayBuffers } = process.memoryUsage();
  return heap + arrayBuffers;
}

const journal = await Journal.open({ path: join(dir, 'journal.jsonl'), fsync: false });
const before = heapUsed();
for (let batch = 0; batch < count; batch += 500) {
  const ids = Array.from({ length: Math.min(500, count - batch) }, () => crypto.randomUUID());
  await Promise.all(
    ids.map(async (id) => {
      await journal.begin(id, {
        op: 'resetPassword',
        target: { by: 'sAMAccountName', value: `user${id.slice(0, 8)}` },
        directory: 'corp',
        receivedAt: new Date().toISOString(),
        expiresAt: new Date().toISOString(),
      });
      await journal.markApplying(id);
      await journal.complete(id, {
        type: 'result',
        result: {
          commandId: id,
          agentId: 'a'.repeat(36),
          status: 'succeeded',
          code: 'OK',
          message: 'password reset',
          details: { dn: `CN=${id},OU=People,DC=corp,DC=example,DC=com`, appliedAt: new Date().toISOString() },
          completedAt: new Date().toISOString(),
        },
        signature: 's'.repeat(1200),
      });
      await journal.acknowledge(id);
    }),
  );
}
const after = heapUsed();
process.stdout.write(`${JSON.stringify({ count, bytesPerEntry: (after - before) / count, acknowledged: journal.stats().acknowledged })}\n`);
await journal.close();
