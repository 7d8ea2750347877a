import { Attribute, Change } from 'ldapts';

/** A modify change that replaces all values of one attribute with `value`. */
export function replaceValue(type: string, value: string | Buffer): Change {
  return new Change({ operation: 'replace', modification: new Attribute({ type, values: [value] as string[] | Buffer[] }) });
}
