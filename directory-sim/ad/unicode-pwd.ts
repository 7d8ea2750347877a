/** unicodePwd values: the password in double quotes, UTF-16LE. Returns undefined when not in that form. */
export function decodeUnicodePwd(value: Buffer): string | undefined {
  if (value.length < 4 || value.length % 2 !== 0) return undefined;
  const text = value.toString('utf16le');
  if (!text.startsWith('"') || !text.endsWith('"')) return undefined;
  return text.slice(1, -1);
}

export function encodeUnicodePwd(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}
