/** The one rule for which article URLs become links on any platform: http(s), parseable, ≤ 2000 characters. */
const MAX_URL = 2000;

export function linkableUrl(url: string | undefined | null): string | undefined {
  if (!url || url.length > MAX_URL) return undefined;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
    // The editor's own spelling when it is already clean; the parser's encoding when it has spaces or brackets.
    if (/^[^\s<>"]+$/.test(url)) return url;
    const normal = parsed.toString();
    return normal.length <= MAX_URL ? normal : undefined;
  } catch {
    return undefined;
  }
}
