import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { defineCommand, type Invocation } from '../../src/core/command.js';
import { assertNever } from '../../src/core/assert-never.js';
import { createDispatcher } from '../../src/core/dispatcher.js';
import { UserError } from '../../src/core/errors.js';
import { answer } from '../../src/core/reply.js';
import type { Services } from '../../src/core/services.js';
import { logger } from '../../src/log.js';
import { TEST_CLOCK } from '../helpers/clock.js';
import { StoreUnavailable } from '../../src/store/unavailable.js';

const echo = defineCommand({
  name: 'echo',
  description: 'Echo options back',
  permission: 'everyone',
  options: {
    words: { kind: 'string', description: 'Words', rest: true },
    count: { kind: 'integer', description: 'How many', example: '3' },
    mode: { kind: 'string', description: 'Mode', choices: [{ name: 'a', value: 'a' }, { name: 'b', value: 'b' }] },
    where: { kind: 'channel', description: 'A channel' },
    section: { kind: 'string', description: 'Section', autocomplete: 'sections' },
  },
  schema: z.object({
    words: z.string().optional(),
    count: z.coerce.number().int().min(1).max(5).optional(),
    mode: z.enum(['a', 'b']).optional(),
    where: z.string().optional(),
    section: z.string().optional(),
  }),
  async run(_ctx, input) {
    // Typed from the schema, no casts (checked by `npm run typecheck`).
    expectTypeOf(input.count).toEqualTypeOf<number | undefined>();
    expectTypeOf(input.mode).toEqualTypeOf<'a' | 'b' | undefined>();
    // @ts-expect-error an option the schema does not declare
    void input.nope;
    if (input.words === 'nothing') throw new UserError('Nothing found for that.');
    if (input.words === 'boom') throw new Error('database exploded at /secret/path');
    if (input.words === 'stalled') throw new StoreUnavailable('PostgreSQL: Query read timeout');
    if (input.words === 'locked') throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    return answer({ text: JSON.stringify(input) });
  },
  async onAction(_ctx, action) {
    return answer({ text: `clicked ${action}` });
  },
});

const admin = defineCommand({
  name: 'admin',
  description: 'Admin things',
  permission: 'admin',
  subcommands: {
    add: { description: 'Add', options: { name: { kind: 'string', description: 'Name', rest: true } }, schema: z.object({ name: z.string() }) },
    list: { description: 'List', options: {}, schema: z.object({}) },
  },
  async run(_ctx, input) {
    // Each subcommand's input narrows by `subcommand`; a new subcommand without its case fails the typecheck.
    switch (input.subcommand) {
      case 'add':
        expectTypeOf(input.name).toEqualTypeOf<string>();
        break;
      case 'list':
        break;
      default:
        assertNever(input);
    }
    return answer({ text: JSON.stringify(input) });
  },
});

const services = {
  articles: { sections: async () => ['world', 'business', 'sport'], sources: async () => [], suggest: async () => [] },
} as unknown as Services;

const dispatcher = createDispatcher({ commands: [echo, admin], services, logger: logger.child({}, { level: 'silent' }), now: TEST_CLOCK });

function inv(command: string, text: string, extra: Partial<Invocation> = {}): Invocation {
  return {
    platform: 'terminal',
    command,
    text,
    user: { id: 'u1', name: 'u', isAdmin: false },
    workspace: '',
    channel: 'terminal:newsroom',
    ...extra,
  };
}

describe('dispatcher', () => {
  it('refuses an admin command to a member, saying on the terminal how to act as an admin', async () => {
    expect((await dispatcher.dispatch(inv('admin', 'list'))).text).toBe('Only admins can use /admin. On the terminal, type :as admin to act as one.');
    expect((await dispatcher.dispatch(inv('admin', 'list', { platform: 'slack', channel: 'slack:T1/C1', workspace: 'T1' }))).text).toBe(
      'Only admins can use /admin. Ask a server or workspace admin.',
    );
  });

  it('refuses a misspelt option on a text line, naming the closest one, instead of searching for it', async () => {
    expect(await dispatcher.dispatch(inv('echo', 'flood secton:world'))).toMatchObject({
      kind: 'error', text: 'There is no option secton: here. Did you mean section:? Options here: words: count: mode: where: section:',
    });
  });

  it('parses text options and validates them with zod', async () => {
    const reply = await dispatcher.dispatch(inv('echo', 'hello world count:3 mode:b'));
    expect(reply.kind).toBe('answer');
    expect(JSON.parse(reply.text!)).toEqual({ words: 'hello world', count: 3, mode: 'b' });
  });

  it('accepts typed options (Discord) through the same schema', async () => {
    const reply = await dispatcher.dispatch({ ...inv('echo', ''), options: { count: 2 } });
    expect(JSON.parse(reply.text!)).toEqual({ count: 2 });
  });

  it('names the option and what it accepts on bad input', async () => {
    const reply = await dispatcher.dispatch(inv('echo', 'mode:c'));
    expect(reply.kind).toBe('error');
    expect(reply.text).toContain('mode');
    expect(reply.text).toContain('a, b');
    const count = await dispatcher.dispatch(inv('echo', 'count:99'));
    expect(count.text).toMatch(/count.*how many.*e\.g\. 3/i);
  });

  it('suggests the closest command for an unknown one', async () => {
    const reply = await dispatcher.dispatch(inv('ecko', ''));
    expect(reply.kind).toBe('error');
    expect(reply.text).toContain('/echo');
  });

  it('turns a UserError into a short reply and hides internal errors behind an error id', async () => {
    expect((await dispatcher.dispatch(inv('echo', 'nothing'))).text).toBe('Nothing found for that.');
    const boom = await dispatcher.dispatch(inv('echo', 'boom'));
    expect(boom.kind).toBe('error');
    expect(boom.text).toMatch(/error id [0-9a-f]{8}/);
    expect(boom.text).not.toContain('secret');
    expect(boom.visibility).toBe('ephemeral');
  });

  it('a store that is away (PostgreSQL timed out, SQLite locked) is said in a short line, not as "something went wrong"', async () => {
    for (const words of ['stalled', 'locked']) {
      const away = await dispatcher.dispatch(inv('echo', words));
      expect(away.kind).toBe('error');
      expect(away.text).toBe('The archive is unavailable right now; try again in a minute.');
    }
  });

  it('refuses admin commands to non-admins and lets admins run subcommands', async () => {
    const refused = await dispatcher.dispatch(inv('admin', 'list'));
    expect(refused.kind).toBe('error');
    expect(refused.text).toMatch(/only admins/i);
    const asAdmin = { user: { id: 'a', name: 'a', isAdmin: true } };
    expect(JSON.parse((await dispatcher.dispatch(inv('admin', 'add the desk', asAdmin))).text!)).toEqual({
      name: 'the desk',
      subcommand: 'add',
    });
    const typo = await dispatcher.dispatch(inv('admin', 'lsit', asAdmin));
    expect(typo.text).toContain('Did you mean list?');
    for (const inherited of ['constructor', '__proto__', 'toString']) {
      const reply = await dispatcher.dispatch(inv('admin', inherited, asAdmin));
      expect(reply.text).toMatch(/Unknown subcommand/);
    }
  });

  it('normalizes channel options to the invoker’s own workspace only', async () => {
    const here = await dispatcher.dispatch(inv('echo', 'where:#breaking'));
    expect(JSON.parse(here.text!).where).toBe('terminal:breaking');
    const slack = inv('echo', 'where:slack:T2/C0123ABC', { platform: 'slack', workspace: 'T1', channel: 'slack:T1/C1' });
    expect((await dispatcher.dispatch(slack)).kind).toBe('error');
    const ok = inv('echo', 'where:<#C0456DEF|desk>', { platform: 'slack', workspace: 'T1', channel: 'slack:T1/C1' });
    expect(JSON.parse((await dispatcher.dispatch(ok)).text!).where).toBe('slack:T1/C0456DEF');
  });

  it('reports prepare() visibility so adapters can defer correctly', () => {
    const p = dispatcher.prepare(inv('admin', 'list', { user: { id: 'a', name: 'a', isAdmin: true } }));
    expect('visibility' in p && p.visibility).toBe('ephemeral');
  });

  it('routes button actions by their command prefix', async () => {
    expect((await dispatcher.action(inv('x', ''), 'echo:more:2')).text).toBe('clicked echo:more:2');
    expect((await dispatcher.action(inv('x', ''), 'gone:1')).kind).toBe('error');
  });

  it('answers autocomplete within Discord limits', async () => {
    expect(await dispatcher.autocomplete(inv('echo', ''), 'section', 'S')).toEqual([{ name: 'business', value: 'business' }, { name: 'sport', value: 'sport' }]);
    expect(await dispatcher.autocomplete(inv('echo', ''), 'words', 'w')).toEqual([]);
  });
});
