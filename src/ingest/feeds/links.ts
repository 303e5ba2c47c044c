/** Resolves a feed's (possibly relative) link against its base; anything that is not http(s) is dropped. */
export function resolveLink(href: string | undefined | null, ...bases: Array<string | undefined | null>): string | null {
  const text = href?.trim();
  if (!text) return null;
  for (const base of [...bases.filter(Boolean), undefined]) {
    try {
      const url = base ? new URL(text, base) : new URL(text);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : null;
    } catch {
      // not resolvable against this base; try the next one
    }
  }
  return null;
}
