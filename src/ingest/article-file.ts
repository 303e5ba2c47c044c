import { basename, extname } from 'node:path';
import { inFeedIdSpace, type ArticleInput } from '../domain/article.js';
import { articleJsonPayloadSchema, articleJsonSchema, articleJsonToInput, describeIssues } from './article-schema.js';
import { FrontMatterError, splitFrontMatter, type FrontMatterValue } from './front-matter.js';
import { bodyOf, paragraphs, parseTextArticle, TextArticleError } from './text-article.js';

/** What is wrong with one file, in words an editor can act on. */
export class ArticleFileError extends Error {}

export const ARTICLE_EXTENSIONS = ['.txt', '.md', '.json'] as const;

export function isArticleFile(path: string): boolean {
  const name = basename(path);
  return !name.startsWith('.') && (ARTICLE_EXTENSIONS as readonly string[]).includes(extname(name).toLowerCase());
}

/**
 * One file → the articles it holds. `.txt`: the seed's shape, with optional front matter; `.md`: front
 * matter plus Markdown; `.json`: one article or an array, in the schema POST /v1/articles uses.
 * Throws ArticleFileError naming the problem.
 */
export function parseArticleFile(path: string, text: string): ArticleInput[] {
  const ext = extname(path).toLowerCase();
  const stem = basename(path, extname(path));
  const clean = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (!clean.trim()) throw new ArticleFileError('the file is empty');
  try {
    // An undated article stays undated here: the store dates it when first seen and keeps that date.
    const articles = ext === '.json' ? parseJson(clean, stem) : parseWithFrontMatter(clean, stem, ext === '.md');
    // Without an id or a link, the file name is the id: it must not take a feed item's form either.
    if (articles.some((a) => !a.id && !a.url && a.fallbackId && inFeedIdSpace(a.fallbackId))) {
      throw new ArticleFileError('the file name takes the form of a feed item\'s id ("<feed id>:…", reserved for feeds): rename the file or give the article an "id"');
    }
    return articles;
  } catch (err) {
    if (err instanceof ArticleFileError) throw err;
    if (err instanceof FrontMatterError || err instanceof TextArticleError || err instanceof SyntaxError) {
      throw new ArticleFileError(err.message);
    }
    throw err;
  }
}

function parseJson(text: string, stem: string): ArticleInput[] {
  const parsed = articleJsonPayloadSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    // The union's own message is vague; re-check as the shape the file seems to want.
    const raw = JSON.parse(text) as unknown;
    const issues = Array.isArray(raw)
      ? raw.flatMap((item, i) => {
          const r = articleJsonSchema.safeParse(item);
          return r.success ? [] : describeIssues(r.error).map((m) => `[${i}] ${m}`);
        })
      : (() => {
          const r = articleJsonSchema.safeParse(raw);
          return r.success ? [] : describeIssues(r.error);
        })();
    throw new ArticleFileError(issues.length ? issues.slice(0, 5).join('; ') : 'expected one article object or an array of 1–1000');
  }
  const list = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
  return list.map((a, i) => articleJsonToInput(a, list.length === 1 ? stem : `${stem}-${i + 1}`));
}

function parseWithFrontMatter(text: string, stem: string, markdown: boolean): ArticleInput[] {
  const { data, content } = splitFrontMatter(text);
  const prose = markdown ? plainMarkdown(content) : content;
  let article: { title: string; body: string; priority?: string; author?: string; related: Array<{ title: string; url?: string }> };
  if (typeof data.title === 'string') {
    article = { title: data.title, ...bodyOf(paragraphs(prose), data.title) };
  } else if (markdown && !/^\s*#\s/.test(content)) {
    throw new ArticleFileError('no title: give "title:" in the front matter or start the text with "# Headline"');
  } else {
    article = parseTextArticle(prose);
  }
  const fields: Record<string, unknown> = { ...frontMatterFields(data) };
  fields.title = article.title;
  fields.body = article.body;
  fields.priority ??= article.priority;
  fields.author ??= article.author;
  if (article.related.length && !fields.related) fields.related = article.related;
  const parsed = articleJsonSchema.safeParse(dropUndefined(fields));
  if (!parsed.success) throw new ArticleFileError(describeIssues(parsed.error).join('; '));
  return [articleJsonToInput(parsed.data, stem)];
}

/** Front matter keys as the JSON schema names them; `date` and `tags` are accepted as editors write them. */
function frontMatterFields(data: Record<string, FrontMatterValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    const name = ({ date: 'published_at', published: 'published_at', updated: 'updated_at', tags: 'topics', image: 'image_url' } as Record<string, string>)[key] ?? key;
    if (name === 'related') {
      out.related = (Array.isArray(value) ? value : [value]).map((v) => (/^https?:\/\//.test(v) ? { title: v, url: v } : { title: v }));
    } else if (name === 'topics') {
      out.topics = Array.isArray(value) ? value : value.split(',').map((s) => s.trim()).filter(Boolean);
    } else if (name === 'priority' || name === 'status') {
      out[name] = typeof value === 'string' ? value.toLowerCase() : value;
    } else {
      out[name] = value;
    }
  }
  return out;
}

/** Just enough Markdown → text for a news body: headings, emphasis, links and list markers go. */
function plainMarkdown(md: string): string {
  return md
    .replace(/^[ \t]{0,3}#{1,6}[ \t]+/gm, '')
    .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
    .replace(/\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/g, (_m, text: string, url: string) => (/^(read more|related|see also)/i.test(text) ? `${text} ${url}` : text))
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(^|[\s(])[*_]([^*_\n]+)[*_](?=[\s).,;:!?]|$)/gm, '$1$2')
    .replace(/^[ \t]*[-*+][ \t]+/gm, '')
    .replace(/^[ \t]*>[ \t]?/gm, '');
}

function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
