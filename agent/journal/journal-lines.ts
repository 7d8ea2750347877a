import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

const CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;

/**
 * Calls `onLine` for each complete line of the file (text without the newline, its byte offset and
 * byte length) reading 1 MiB at a time, so replaying a large journal never holds it whole in memory.
 * Returns the file size up to the end of the last complete line and the bytes of a torn tail.
 */
export async function readJournalLines(handle: FileHandle, onLine: (text: string, offset: number, length: number) => void): Promise<{ completeBytes: number; tailBytes: number }> {
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let carry = Buffer.alloc(0);
  let position = 0;
  for (;;) {
    const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, position);
    if (bytesRead === 0) break;
    const base = position - carry.length;
    const data = carry.length === 0 ? chunk.subarray(0, bytesRead) : Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
    position += bytesRead;
    let start = 0;
    for (let end = data.indexOf(NEWLINE, start); end !== -1; end = data.indexOf(NEWLINE, start)) {
      onLine(data.toString('utf8', start, end), base + start, end - start);
      start = end + 1;
    }
    // Copied: `chunk` is reused by the next read.
    carry = Buffer.from(data.subarray(start));
  }
  return { completeBytes: position - carry.length, tailBytes: carry.length };
}

/** Reads one line back by its byte range (synchronous: the rare duplicate-command path). */
export function readLineSync(fd: number, offset: number, length: number): string {
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buffer, done, length - done, offset + done);
    if (n === 0) break;
    done += n;
  }
  return buffer.toString('utf8', 0, done);
}
