import { writeSync } from 'node:fs';

/**
 * Appends all of `data` to a file opened for appending, synchronously. The journal and the audit
 * log write this way and only wait for their fsync in the background: an append to the page cache
 * is cheap, while an asynchronous write costs a thread-pool round trip. Throws the system error (ENOSPC, EIO...) to the caller.
 */
export function appendSync(fd: number, data: string | Buffer): number {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let offset = 0;
  while (offset < bytes.length) {
    const written = writeSync(fd, bytes, offset, bytes.length - offset);
    if (written <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    offset += written;
  }
  return bytes.length;
}
