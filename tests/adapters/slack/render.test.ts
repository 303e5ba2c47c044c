import { describe, expect, it } from 'vitest';
import { decodeCommandText } from '../../../src/adapters/slack/entities.js';
import { cutEscaped, escapeMrkdwn, link } from '../../../src/adapters/slack/mrkdwn.js';
import { renderReply, SHARE_ACTION_ID, SLACK_LIMITS, type SlackBlock, type SlackMessage } from '../../../src/adapters/slack/render.js';
import { answer, errorReply, type Card, type Reply } from '../../../src/core/reply.js';
import { validateMessage } from '../../standins/slack/validate.js';

const words = (n: number, word = 'word') => Array.from({ length: n }, () => word).join(' ');
const render = (reply: Reply, share?: string): SlackMessage => {
  const msg = renderReply(reply, { share });
  // Whatever the renderer makes, the strict stand-in (Slack's rules) must accept.
  expect(validateMessage(msg)).toBeNull();
  return msg;
};
const card = (c: Card) => render(answer({ cards: [c] }));
const of = <T extends SlackBlock['type']>(msg: SlackMessage, type: T) => msg.blocks.filter((b) => b.type === type) as Array<Extract<SlackBlock, { type: T }>>;

describe('Slack renderer: limits', () => {
  it('cuts a header to 150 characters at a word boundary with an ellipsis, badge included', () => {
    const [header] = of(card({ title: words(60, 'flooding'), badge: 'breaking' }), 'header');
    expect(header.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.header);
    expect(header.text.text).toMatch(/^BREAKING · flooding .*flooding…$/);
  });

  it('keeps a 150-character header whole, and counts escaped characters against the limit without splitting an entity', () => {
    const exact = 'a'.repeat(150);
    expect(of(card({ title: exact }), 'header')[0].text.text).toBe(exact);
    const amps = of(card({ title: '&'.repeat(100) }), 'header')[0].text.text;
    expect(amps.length).toBeLessThanOrEqual(150);
    expect(amps).toMatch(/^(&amp;)+…$/);
  });

  it('cuts section text to 3000 characters and keeps exactly 3000', () => {
    const long = card({ text: words(1000, 'paragraph') });
    expect(of(long, 'section')[0].text!.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    expect(of(long, 'section')[0].text!.text.endsWith('…')).toBe(true);
    const exact = 'b'.repeat(3000);
    expect(of(card({ text: exact }), 'section')[0].text!.text).toBe(exact);
  });

  it('splits more than 10 fields over several sections and cuts a field to 2000 characters', () => {
    const fields = Array.from({ length: 23 }, (_, i) => ({ name: `F${i}`, value: i === 0 ? words(600, 'value') : `v${i}` }));
    const sections = of(card({ fields }), 'section').filter((s) => s.fields);
    expect(sections.map((s) => s.fields!.length)).toEqual([10, 10, 3]);
    expect(sections[0].fields![0].text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
    expect(sections[0].fields![0].text.startsWith('*F0*\nvalue')).toBe(true);
  });

  it('never exceeds 50 blocks: list items that do not fit are counted', () => {
    const items = Array.from({ length: 80 }, (_, i) => ({ title: `Story ${i}`, url: `https://news.example/${i}` }));
    const msg = render(answer({ text: 'Top', cards: [{ title: 'Many', items }], buttons: [{ label: 'More', action: 'news:p:x' }] }), '{"c":"news","t":""}');
    expect(msg.blocks).toHaveLength(SLACK_LIMITS.blocks);
    expect(msg.blocks.at(-1)!.type).toBe('actions');
    const note = msg.blocks.at(-2) as Extract<SlackBlock, { type: 'context' }>;
    const shown = of(msg, 'section').filter((s) => s.text?.text.includes('Story')).length;
    expect(note.elements[0].text).toBe(`…and ${80 - shown} more not shown here.`);
  });

  it('keeps at most 25 buttons (the share button among them), labels at 75, and drops action ids over 255', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ label: `${words(20, 'label')} ${i}`, action: `news:p:${i}` }));
    many.push({ label: 'Too long', action: `news:${'x'.repeat(300)}` });
    const [actions] = of(render(answer({ buttons: many, text: 'x' }), '{"a":"news:p:1"}'), 'actions');
    expect(actions.elements).toHaveLength(SLACK_LIMITS.actionsElements);
    expect(actions.elements.at(-1)).toMatchObject({ action_id: SHARE_ACTION_ID, text: { text: 'Share in channel' } });
    for (const b of actions.elements) {
      expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.buttonText);
      expect(b.action_id.length).toBeLessThanOrEqual(SLACK_LIMITS.actionId);
    }
  });

  it('leaves out the share button when its value would pass 2000 characters', () => {
    const msg = render(answer({ text: 'x' }), 'v'.repeat(2001));
    expect(of(msg, 'actions')).toHaveLength(0);
    expect(of(render(answer({ text: 'x' }), 'v'.repeat(2000)), 'actions')[0].elements[0].value).toHaveLength(2000);
  });

  it('always sets a plain text fallback, even for an empty reply, and caps it', () => {
    expect(render(answer()).text).toBe('Newsdesk');
    const big = render(answer({ cards: [{ title: 'T', items: Array.from({ length: 500 }, (_, i) => ({ title: `${words(10)} ${i}` })) }] }));
    expect(big.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
    expect(render(errorReply('Nope.')).text).toBe('Nope.');
  });
});

describe('Slack renderer: escaping and mentions', () => {
  const evil = '<!channel> <!here> <@U123> <#C1|x> <https://evil.example|click> & done';

  it('escapes article text everywhere: header, items, fields, footer, fallback, button labels', () => {
    const msg = render(answer({
      text: evil,
      cards: [{ title: evil, text: evil, items: [{ title: evil, text: evil, meta: evil, id: 'a`b' }], fields: [{ name: evil, value: evil }], footer: evil }],
      buttons: [{ label: evil, action: 'news:p:1' }],
    }));
    const everything = JSON.stringify(msg);
    expect(everything).not.toMatch(/<!channel>|<!here>|<@U123>|<#C1|<https:\/\/evil/);
    expect(msg.text).toContain('&lt;!channel&gt;');
    expect(of(msg, 'header')[0].text.text).toContain('&lt;!here&gt;');
    const withText = of(msg, 'section').filter((s) => s.text);
    expect(withText.length).toBeGreaterThan(0);
    for (const s of withText) expect(s.text!.verbatim).toBe(true);
  });

  it('adds <!here> only when an admin set it on the subscription', () => {
    expect(render(answer({ text: 'Alert' })).text).not.toContain('<!here>');
    const pinged = render(answer({ text: 'Alert', mention: { slackHere: true } }));
    expect(pinged.text.startsWith('<!here> ')).toBe(true);
    expect(of(pinged, 'section')[0].text!.text.startsWith('<!here> Alert')).toBe(true);
  });

  it('builds links with both parts escaped, a | in the URL encoded and a | in the title replaced', () => {
    expect(link('https://x.example/a?b=1&c=<2>|3', 'Cats | Dogs & <Birds>')).toBe('<https://x.example/a?b=1&amp;c=&lt;2&gt;%7C3|Cats ∣ Dogs &amp; &lt;Birds&gt;>');
  });

  it('drops links and images that are not http(s)', () => {
    const msg = card({ title: 'T', url: 'javascript:alert(1)', imageUrl: 'data:image/png;base64,AAAA', items: [{ title: 'I', url: 'javascript:x' }] });
    expect(JSON.stringify(msg)).not.toMatch(/javascript:|data:image/);
    expect(of(msg, 'image')).toHaveLength(0);
    expect(of(card({ title: 'T', imageUrl: 'https://img.example/a.png' }), 'image')[0]).toMatchObject({ image_url: 'https://img.example/a.png', alt_text: 'T' });
  });

  it('puts a struck-through RETRACTED title in a mrkdwn section, not a header', () => {
    const msg = card({ title: 'Mayor <resigns>', badge: 'retracted', struck: true });
    expect(of(msg, 'header')).toHaveLength(0);
    expect(of(msg, 'section')[0].text!.text).toBe('*RETRACTED* · ~Mayor &lt;resigns&gt;~');
  });

  it('cuts escaped text without leaving half an entity', () => {
    expect(cutEscaped(escapeMrkdwn('a&b'.repeat(10)), 12)).toBe('a&amp;ba…');
    expect(escapeMrkdwn('<&>')).toBe('&lt;&amp;&gt;');
  });
});

describe('Slack command text decoding', () => {
  it('turns Slack’s escaped entities back into what the user typed', () => {
    expect(decodeCommandText('subscribe <#C0BREAKING|breaking> mention:<!here>', 'T1')).toBe('subscribe slack:T1/C0BREAKING mention:@here');
    expect(decodeCommandText('<@U1|ana> and <@W2>', 'T1')).toBe('@U1 and @W2');
    expect(decodeCommandText('<https://x.example/a?b=1&amp;c=2|x.example> <https://y.example>', 'T1')).toBe('https://x.example/a?b=1&c=2 https://y.example');
    expect(decodeCommandText('Tom &amp; Jerry &lt;3 &gt; &amp;lt;', 'T1')).toBe('Tom & Jerry <3 > &lt;');
  });
});
