/** The unicodePwd attribute value AD expects: the password in double quotes, UTF-16LE, sent as bytes. */
export function encodeUnicodePwd(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}
