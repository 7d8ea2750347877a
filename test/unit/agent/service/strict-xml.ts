/**
 * A strict parser for the XML subset WinSW configs use (declaration, comments, elements,
 * double-quoted attributes, text, the five predefined entities and character references).
 * Anything else, an unknown entity, a bare `&` or `<`, or mismatched tags, throws: that is the
 * well-formedness check of the generated file, with no XML dependency added to the project.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*/;

function decode(raw: string, where: number): string {
  if (/[<]/.test(raw)) throw new Error(`bare < at ${where}`);
  return raw.replace(/&([^;]*);|&/g, (match, entity: string | undefined) => {
    if (entity === undefined) throw new Error(`bare & at ${where}`);
    if (entity in ENTITIES) return ENTITIES[entity]!;
    const numeric = /^#(x[0-9A-Fa-f]+|[0-9]+)$/.exec(entity);
    if (numeric) return String.fromCodePoint(numeric[1]!.startsWith('x') ? parseInt(numeric[1]!.slice(1), 16) : Number(numeric[1]));
    throw new Error(`unknown entity ${match} at ${where}`);
  });
}

export function parseXml(source: string): XmlElement {
  let i = 0;
  const skipMisc = (): void => {
    for (;;) {
      const ws = /^\s*/.exec(source.slice(i))![0];
      i += ws.length;
      if (source.startsWith('<!--', i)) {
        const end = source.indexOf('-->', i + 4);
        if (end < 0) throw new Error('unterminated comment');
        if (source.slice(i + 4, end).includes('--')) throw new Error('-- inside a comment');
        i = end + 3;
      } else if (source.startsWith('<?', i)) {
        const end = source.indexOf('?>', i);
        if (end < 0) throw new Error('unterminated declaration');
        i = end + 2;
      } else return;
    }
  };
  const element = (): XmlElement => {
    if (source[i] !== '<') throw new Error(`expected < at ${i}`);
    i += 1;
    const name = NAME.exec(source.slice(i))?.[0];
    if (name === undefined) throw new Error(`bad element name at ${i}`);
    i += name.length;
    const attributes: Record<string, string> = {};
    for (;;) {
      const ws = /^\s*/.exec(source.slice(i))![0];
      i += ws.length;
      if (source.startsWith('/>', i)) {
        i += 2;
        return { name, attributes, children: [], text: '' };
      }
      if (source[i] === '>') {
        i += 1;
        break;
      }
      if (ws === '') throw new Error(`expected space before attribute at ${i}`);
      const attr = NAME.exec(source.slice(i))?.[0];
      if (attr === undefined || source[i + attr.length] !== '=' || source[i + attr.length + 1] !== '"') throw new Error(`bad attribute at ${i}`);
      i += attr.length + 2;
      const end = source.indexOf('"', i);
      if (end < 0) throw new Error('unterminated attribute');
      if (attr in attributes) throw new Error(`duplicate attribute ${attr}`);
      attributes[attr] = decode(source.slice(i, end), i);
      i = end + 1;
    }
    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      const next = source.indexOf('<', i);
      if (next < 0) throw new Error(`unclosed <${name}>`);
      text += decode(source.slice(i, next), i);
      i = next;
      if (source.startsWith('</', i)) {
        const close = `</${name}>`;
        if (!source.startsWith(close, i)) throw new Error(`mismatched end tag at ${i}, expected ${close}`);
        i += close.length;
        return { name, attributes, children, text: children.length > 0 ? text.trim() : text };
      }
      if (source.startsWith('<!--', i)) skipMisc();
      else children.push(element());
    }
  };
  skipMisc();
  const root = element();
  skipMisc();
  if (i !== source.length) throw new Error(`content after the root element at ${i}`);
  return root;
}

export function child(parent: XmlElement, name: string): XmlElement[] {
  return parent.children.filter((c) => c.name === name);
}
