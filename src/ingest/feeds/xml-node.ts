import { decodeEntities } from './html-text.js';

/**
 * Reading the XML tree (xml-tree.ts) tolerantly: an element may arrive as a string, an object with '#text'
 * and '@_' attributes, or an array when repeated — feeds in the wild mix all three.
 */
export type XmlNode = unknown;

export function asArray(node: XmlNode): XmlNode[] {
  if (node === undefined || node === null) return [];
  return Array.isArray(node) ? node : [node];
}

export function first(node: XmlNode): XmlNode {
  return Array.isArray(node) ? node[0] : node;
}

export function isRecord(node: XmlNode): node is Record<string, unknown> {
  return typeof node === 'object' && node !== null && !Array.isArray(node);
}

/** The element's text; for a repeated element, the first one that has text (RSS `link` beside `atom:link`). */
export function textOf(node: XmlNode): string {
  if (typeof node === 'string') return node;
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  if (Array.isArray(node)) {
    for (const n of node) {
      const t = textOf(n);
      if (t.trim()) return t;
    }
    return '';
  }
  if (isRecord(node)) {
    const t = node['#text'];
    if (t !== undefined) return textOf(t);
    // Mixed content parsed into children (an unexpected xhtml title): gather the text that is there.
    return Object.entries(node)
      .filter(([k]) => !k.startsWith('@_'))
      .map(([, v]) => textOf(v))
      .join(' ');
  }
  return '';
}

export function attr(node: XmlNode, name: string): string | undefined {
  const n = first(node);
  if (!isRecord(n)) return undefined;
  const v = n[`@_${name}`];
  return typeof v === 'string' ? v : undefined;
}

export function child(node: XmlNode, name: string): XmlNode {
  const n = first(node);
  return isRecord(n) ? n[name] : undefined;
}

/**
 * The text of an element the parser left raw (Atom content/summary are "stop nodes", so xhtml keeps its
 * markup): CDATA sections are taken verbatim, everything else is XML-entity-decoded.
 */
export function unwrapRawXmlText(raw: string): string {
  let out = '';
  let rest = raw;
  for (;;) {
    const start = rest.indexOf('<![CDATA[');
    if (start < 0) return out + decodeXmlEntities(rest);
    const end = rest.indexOf(']]>', start + 9);
    out += decodeXmlEntities(rest.slice(0, start));
    if (end < 0) return out + rest.slice(start + 9);
    out += rest.slice(start + 9, end);
    rest = rest.slice(end + 3);
  }
}

function decodeXmlEntities(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/g, (m) => decodeEntities(m));
}
