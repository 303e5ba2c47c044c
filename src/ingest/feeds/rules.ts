import type { Priority } from '../../domain/article.js';
import type { Verification } from '../../domain/approval.js';
import type { FeedRule } from './config.js';

export interface RuledItem {
  title: string;
  priority: Priority;
  section: string;
  /** From a rule's then.verification; a feed's items carry none otherwise. */
  verification?: Verification;
}

/** Separators that follow a flag word in headlines: "BREAKING: …", "BREAKING — …", "Breaking | …". */
const AFTER_PREFIX = /^[\s:|\-–—]+/;

/**
 * Applies a feed's rules in order; every rule whose conditions all hold applies, and a later rule's
 * action wins over an earlier one's. Conditions read the title as the feed wrote it.
 */
export function applyRules(rules: FeedRule[], item: { title: string; categories: string[] }, defaults: RuledItem): RuledItem {
  const result = { ...defaults };
  const categories = new Set(item.categories.map((c) => c.toLowerCase()));
  for (const rule of rules) {
    if (!matches(rule, item.title, categories)) continue;
    if (rule.then.priority) result.priority = rule.then.priority;
    if (rule.then.section) result.section = rule.then.section;
    if (rule.then.verification) result.verification = rule.then.verification;
    if (rule.then.stripPrefix && rule.if.titleStartsWith) {
      const prefix = rule.if.titleStartsWith;
      if (result.title.toLowerCase().startsWith(prefix.toLowerCase())) {
        const stripped = result.title.slice(prefix.length).replace(AFTER_PREFIX, '').trim();
        // A headline that is only the flag word keeps it: an empty title would be refused by the store.
        if (stripped) result.title = stripped;
      }
    }
  }
  return result;
}

function matches(rule: FeedRule, title: string, categories: Set<string>): boolean {
  const c = rule.if;
  if (c.titleStartsWith && !title.toLowerCase().startsWith(c.titleStartsWith.toLowerCase())) return false;
  if (c.titleMatches && !new RegExp(c.titleMatches, 'iu').test(title)) return false;
  if (c.category !== undefined) {
    const wanted = Array.isArray(c.category) ? c.category : [c.category];
    if (!wanted.some((w) => categories.has(w.toLowerCase()))) return false;
  }
  return true;
}
