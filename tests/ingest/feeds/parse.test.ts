import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FeedParseError, parseFeed } from '../../../src/ingest/feeds/parse.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const NOW = Date.parse('2026-11-25T12:00:00Z');
const rss2 = await parseFeed(fixture('rss2-cdata.xml'), 'https://wire.example.com/rss.xml', NOW);
const atom = await parseFeed(fixture('atom-xhtml.xml'), 'https://blog.example.org/atom.xml', NOW);
const rdf = await parseFeed(fixture('rdf.xml'), 'https://science.example.com/rss', NOW);
const jsonFeed = await parseFeed(fixture('feed.json'), 'https://council.example.net/feed.json', NOW);

describe('RSS 2.0', () => {
  const feed = rss2;
  const [breaking, budget, , undated] = feed.items;

  it('reads the channel, its ttl and every item', () => {
    expect(feed.format).toBe('rss');
    expect(feed.title).toBe('Example Wire & Co');
    expect(feed.ttlMinutes).toBe(30);
    expect(feed.items).toHaveLength(4);
  });

  it('turns escaped HTML and numeric entities in titles into plain text', () => {
    expect(breaking.title).toBe('BREAKING: Bridge closed after storm damage — city’s traffic diverted');
  });

  it('prefers content:encoded for the body, drops scripts, styles and comments, keeps paragraphs', () => {
    expect(breaking.content).toBe(
      'The main bridge was closed on Tuesday morning.\n\nEngineers will inspect it.\nTraffic is diverted via the ring road.\n\nBuses: line 4\n\nTrams: normal',
    );
    expect(breaking.content).not.toMatch(/trackReader|color|editor note/);
    expect(breaking.summary).toBe('The main bridge is shut.');
  });

  it('resolves relative links and images against the channel link', () => {
    expect(breaking.link).toBe('https://wire.example.com/2026/11/25/bridge-closed');
    expect(breaking.imageUrl).toBe('https://wire.example.com/img/bridge.jpg');
  });

  it('reads RFC 822 dates with offsets and two-digit years', () => {
    expect(breaking.publishedAt).toBe('2026-11-25T08:30:00.000Z');
    expect(budget.publishedAt).toBe('2026-11-24T18:00:00.000Z');
  });

  it('reads guid, author, categories; a missing date stays null for the caller to fill', () => {
    expect(breaking.guid).toBe('wire-123');
    expect(breaking.author).toBe('Ana Duarte');
    expect(breaking.categories).toEqual(['Transport', 'Weather']);
    expect(undated.publishedAt).toBeNull();
    expect(undated.link).toBe('https://wire.example.com/briefs/undated');
  });

  it('decodes double-escaped entities in descriptions', () => {
    expect(budget.content).toBe('Tax & spending plan passes, 31–12.');
  });
});

describe('Atom 1.0', () => {
  const feed = atom;
  const [election, plain] = feed.items;

  it('renders xhtml content as text and keeps html summaries as the teaser', () => {
    expect(election.content).toBe('Turnout was high & counting ran late.\n\nFull results: here.');
    expect(election.summary).toBe('Results are in.');
  });

  it('treats type="html" titles as HTML and type="text" titles literally', () => {
    expect(election.title).toBe('Election night & what comes next');
    expect(plain.title).toBe('Plain text title with <angle> brackets');
  });

  it('resolves links against xml:base (feed level and entry level)', () => {
    expect(election.link).toBe('https://blog.example.org/news/election-night');
    expect(election.imageUrl).toBe('https://blog.example.org/media/chart.png');
    expect(plain.link).toBe('https://other.example.org/posts/43');
  });

  it('reads ISO 8601 dates, and a missing <published> leaves only <updated>', () => {
    expect(election.publishedAt).toBe('2026-11-25T07:15:00.000Z');
    expect(plain.publishedAt).toBeNull();
    expect(plain.updatedAt).toBe('2026-11-24T12:00:00.000Z');
  });

  it('decodes CDATA html content with named entities', () => {
    expect(plain.content).toBe('First.\n\nSecond été.');
    expect(election.author).toBe('Lee Park');
    expect(election.categories).toEqual(['Politics']);
  });
});

describe('RSS 1.0 / RDF', () => {
  const feed = rdf;

  it('reads items beside the channel with Dublin Core dates, authors and subjects', () => {
    expect(feed.format).toBe('rdf');
    expect(feed.items).toHaveLength(2);
    expect(feed.items[0]).toMatchObject({
      guid: 'https://science.example.com/a/1',
      title: 'Comet visible tonight',
      publishedAt: '2026-11-25T20:00:00.000Z',
      author: 'Sam Ortiz',
      categories: ['Astronomy'],
    });
    expect(feed.items[1].link).toBe('https://science.example.com/a/2');
    expect(feed.items[1].publishedAt).toBe('2026-11-24T00:00:00.000Z');
  });
});

describe('JSON Feed 1.1', () => {
  const feed = jsonFeed;

  it('reads items, resolves relative urls, and skips an item without an id instead of failing', () => {
    expect(feed.format).toBe('json');
    expect(feed.items).toHaveLength(2);
    expect(feed.items[0]).toMatchObject({
      guid: '2026-11-25-meeting',
      link: 'https://council.example.net/meetings/2026-11-25',
      content: 'The meeting moves to Thursday.\n\nAgenda unchanged.',
      summary: 'Moved to Thursday.',
      author: "Clerk's office",
      categories: ['Council', 'Local'],
      imageUrl: 'https://council.example.net/img/hall.jpg',
    });
    expect(feed.items[1]).toMatchObject({ guid: '17', title: '', content: 'A title-less note: bins collected Friday this week.\nThanks.' });
  });
});

describe('broken input', () => {
  it('throws a FeedParseError naming the line for broken XML', async () => {
    await expect(parseFeed(fixture('broken.xml'), 'https://x.example/', NOW)).rejects.toThrow(FeedParseError);
    await expect(parseFeed(fixture('broken.xml'), 'https://x.example/', NOW)).rejects.toThrow(/broken XML at line \d+/);
  });

  it('refuses well-formed XML that is not a feed, and JSON that is not a JSON Feed', async () => {
    await expect(parseFeed('<html><body>Not found</body></html>', 'https://x.example/', NOW)).rejects.toThrow(/root is <html>/);
    await expect(parseFeed('{"items": []}', 'https://x.example/', NOW)).rejects.toThrow(/not a JSON Feed: version/);
    await expect(parseFeed('{"items": [', 'https://x.example/', NOW)).rejects.toThrow(/broken JSON/);
  });
});

describe('hostile feeds', () => {
  it('an item of hostile HTML is read as text, and the event loop gets turns while it is read', async () => {
    const hostile = `&lt;p&gt;Lead paragraph&lt;/p&gt;${'&lt;script'.repeat(40_000)}`;
    const xml = `<?xml version="1.0"?><rss version="2.0"><channel><title>Hostile</title>
      <item><guid>h1</guid><title>Hostile item</title><description>${hostile}</description></item>
      <item><guid>h2</guid><title>Next item</title><description>&lt;p&gt;Fine&lt;/p&gt;</description></item>
    </channel></rss>`;
    let turns = 0;
    let beating = true;
    const beat = () => {
      turns += 1;
      if (beating) setImmediate(beat);
    };
    setImmediate(beat);
    // A zero budget yields at every checkpoint, so the count of turns does not depend on this machine's speed.
    const feed = await parseFeed(xml, 'https://hostile.example/rss', NOW, { budgetMs: 0 });
    beating = false;
    expect(feed.items.map((i) => [i.title, i.content])).toEqual([['Hostile item', 'Lead paragraph'], ['Next item', 'Fine']]);
    expect(turns).toBeGreaterThanOrEqual(10);
  }, 30_000);

  it('never expands a DOCTYPE\'s entities (no XXE, no entity bomb) and refuses nesting without end', async () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY x SYSTEM "file:///etc/passwd">]>
      <rss version="2.0"><channel><title>T</title><item><guid>1</guid><title>&b; &x;</title></item></channel></rss>`;
    const feed = await parseFeed(bomb, 'https://hostile.example/rss', NOW);
    expect(feed.items[0].title).not.toMatch(/aaaa|root:/);
    const deep = `<rss><channel>${'<x>'.repeat(200_000)}</channel></rss>`;
    await expect(parseFeed(deep, 'https://hostile.example/rss', NOW)).rejects.toThrow(/broken XML at line 1, column \d+: elements nested more than/);
  }, 30_000);
});

describe('headlines', () => {
  const rssWith = (titles: string[]) => `<?xml version="1.0"?><rss version="2.0"><channel><title>Desk</title>
    ${titles.map((t, i) => `<item><guid>t${i}</guid><title>${t}</title></item>`).join('\n')}</channel></rss>`;

  it('an RSS title naming a tag keeps it and what follows; formatting markup still goes', async () => {
    const feed = await parseFeed(
      rssWith([
        'Why &lt;script&gt; tags block rendering',
        'Use &lt;style&gt; and &lt;iframe src="x"&gt; with care',
        '&lt;b&gt;Live:&lt;/b&gt; budget &lt;em&gt;vote&lt;/em&gt; tonight',
        'Is 3 &lt; 4? Yes, and x&lt;y',
        'Why &lt;script&gt; &amp;amp; &lt;style&gt; &amp;#8220;block&amp;#8221; rendering',
      ]),
      'https://tags.example/rss',
      NOW,
    );
    expect(feed.items.map((i) => i.title)).toEqual([
      'Why <script> tags block rendering',
      'Use <style> and <iframe src="x"> with care',
      'Live: budget vote tonight',
      'Is 3 < 4? Yes, and x<y',
      'Why <script> & <style> “block” rendering',
    ]);
  });

  it('an Atom type="html" title naming a tag keeps it', async () => {
    const atomFeed = `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title>
      <entry><id>urn:1</id><title type="html">Why &amp;lt;script&amp;gt; tags block rendering</title></entry>
      <entry><id>urn:2</id><title type="html">Why &lt;script&gt; tags block rendering</title></entry></feed>`;
    const feed = await parseFeed(atomFeed, 'https://tags.example/atom', NOW);
    expect(feed.items.map((i) => i.title)).toEqual(['Why <script> tags block rendering', 'Why <script> tags block rendering']);
  });

  it('a JSON Feed title is plain text: entities and angle brackets are what it says', async () => {
    const json = JSON.stringify({
      version: 'https://jsonfeed.org/version/1.1',
      items: [
        { id: '1', title: 'Why <script> tags block rendering', content_text: 'x' },
        { id: '2', title: 'Tom &amp; Jerry <b>return</b>', content_text: 'x' },
      ],
    });
    const feed = await parseFeed(json, 'https://tags.example/feed.json', NOW);
    expect(feed.items.map((i) => i.title)).toEqual(['Why <script> tags block rendering', 'Tom &amp; Jerry <b>return</b>']);
  });

  it('&#0; and other references to no character are dropped, never shown as U+FFFD; a written U+FFFD stays', async () => {
    const feed = await parseFeed(
      `<?xml version="1.0"?><rss version="2.0"><channel><title>Desk&#0; notes</title>
        <item><guid>n1</guid><title>Dam&#0; breach &#x0; upstream</title><description>&lt;p&gt;Move&amp;#0; now&lt;/p&gt;</description></item>
        <item><guid>n2</guid><title>Double &amp;#0;escaped</title></item>
        <item><guid>n3</guid><title>Kept &#xFFFD; mark</title></item></channel></rss>`,
      'https://nul.example/rss',
      NOW,
    );
    expect(feed.title).toBe('Desk notes');
    expect(feed.items.map((i) => [i.title, i.content])).toEqual([
      ['Dam breach upstream', 'Move now'],
      ['Double escaped', ''],
      ['Kept \uFFFD mark', ''],
    ]);
  });
});
