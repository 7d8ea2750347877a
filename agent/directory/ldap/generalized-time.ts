/** LDAP GeneralizedTime (RFC 4517 3.3.13), as OpenLDAP writes pwdChangedTime and friends. */

const PATTERN = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})?(\d{2})?(?:[.,](\d+))?(Z|[+-]\d{2}(?:\d{2})?)$/;

/** Parses a GeneralizedTime; null when the text is not one. */
export function parseGeneralizedTime(text: string): Date | null {
  const m = PATTERN.exec(text.trim());
  if (m === null) return null;
  const [, y, mo, d, h, mi = '00', s = '00', fraction, zone = 'Z'] = m;
  const ms = fraction === undefined ? 0 : Math.round(Number(`0.${fraction}`) * 1000);
  const date = new Date(Date.UTC(2000, Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms));
  // Date.UTC maps years 0-99 to 1900-1999; ppolicy's 000001010000Z really is year 0.
  date.setUTCFullYear(Number(y));
  let time = date.getTime();
  if (Number.isNaN(time)) return null;
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const offsetMinutes = Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5) || '0');
    time -= sign * offsetMinutes * 60_000;
  }
  return new Date(time);
}

/** Formats a Date as GeneralizedTime in UTC with whole seconds (`20261121204500Z`). */
export function formatGeneralizedTime(date: Date): string {
  return `${date
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, '')}Z`;
}
