import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Looks for secrets in every file under the given directories, in the forms they could leak in:
 * plain UTF-8, JSON-escaped, UTF-16LE (unicodePwd) and base64 of each. Returns "file: form" hits.
 */
export function findSecrets(directories: string[], secrets: string[]): string[] {
  const needles = secrets.filter((s) => s.length >= 6).flatMap((secret) => forms(secret));
  const hits: string[] = [];
  for (const file of directories.flatMap((dir) => listFiles(dir))) {
    const bytes = readIfStillThere(file);
    if (bytes === null) continue;
    for (const { form, bytes: needle } of needles) {
      if (bytes.includes(needle)) hits.push(`${file}: ${form}`);
    }
  }
  return hits;
}

/** A running process may rename a temporary file (atomic writes) between the listing and the read. */
function readIfStillThere(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function forms(secret: string): { form: string; bytes: Buffer }[] {
  const utf16 = Buffer.from(`"${secret}"`, 'utf16le');
  return [
    { form: 'plain', bytes: Buffer.from(secret, 'utf8') },
    { form: 'json-escaped', bytes: Buffer.from(JSON.stringify(secret).slice(1, -1), 'utf8') },
    { form: 'utf16le', bytes: Buffer.from(secret, 'utf16le') },
    { form: 'base64', bytes: Buffer.from(Buffer.from(secret, 'utf8').toString('base64').replace(/=+$/, '').slice(0, -2), 'utf8') },
    { form: 'base64-unicodePwd', bytes: Buffer.from(utf16.toString('base64').replace(/=+$/, '').slice(0, -2), 'utf8') },
  ];
}

function listFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(dir, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat === undefined) return [];
    if (stat.isDirectory()) return listFiles(path);
    return stat.isFile() ? [path] : [];
  });
}
