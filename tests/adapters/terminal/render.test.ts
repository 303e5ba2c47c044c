import { describe, expect, it } from 'vitest';
import { renderReply, sanitize, wrap } from '../../../src/adapters/terminal/render.js';
import { answer, errorReply } from '../../../src/core/reply.js';

const plain = { color: false, width: 60 };

describe('terminal renderer', () => {
  it('renders cards, items with meta and id, fields, footer and buttons as plain text when piped', () => {
    const text = renderReply(
      answer({
        text: 'Best match:',
        cards: [
          {
            title: 'Modi to visit Moscow',
            badge: 'BREAKING',
            url: 'https://example.com/modi',
            items: [{ title: 'Story one', meta: '2h ago · World', id: 'abc', text: 'A dek', priority: 'urgent' }],
            fields: [{ name: 'Other matches', value: 'x — y' }],
            footer: 'World · Wire',
          },
        ],
        buttons: [{ label: 'More', action: 'news:p:1' }],
      }),
      plain,
    );
    expect(text).toContain('[BREAKING] Modi to visit Moscow');
    expect(text).toContain('1. Story one [URGENT]');
    expect(text).toContain('   2h ago · World · id abc');
    expect(text).toContain('Other matches');
    expect(text).toContain('[1] More');
    expect(text).not.toMatch(/\x1b\[/);
  });

  it('marks errors and strikes retracted titles', () => {
    expect(renderReply(errorReply('No such thing'), plain)).toBe('✖ No such thing');
    expect(renderReply(answer({ cards: [{ title: 'Gone', struck: true, badge: 'RETRACTED' }] }), plain)).toContain('~~Gone~~');
  });

  it('uses colour only when asked (TTY)', () => {
    expect(renderReply(answer({ cards: [{ title: 'T', priority: 'breaking', badge: 'BREAKING' }] }), { color: true, width: 60 })).toMatch(/\x1b\[/);
  });

  it('strips control characters so article text cannot drive the terminal', () => {
    expect(sanitize('a\x1b[2Jb\x07c\nd')).toBe('a[2Jbc\nd');
  });

  it('wraps long text at the width', () => {
    const lines = wrap('word '.repeat(40), 20).split('\n');
    expect(lines.every((l) => l.length <= 20)).toBe(true);
    expect(lines.length).toBeGreaterThan(5);
  });
});
