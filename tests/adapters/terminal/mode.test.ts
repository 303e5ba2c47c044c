import { closeSync, openSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMode, stdinKind } from '../../../src/adapters/terminal/mode.js';

const none = { discordEnabled: false, slackEnabled: false, terminalEnabled: true };
const slack = { discordEnabled: false, slackEnabled: true, terminalEnabled: false };

describe('terminal or headless (DESIGN: Terminal)', () => {
  it('reads what stdin is: /dev/null, a file, a descriptor that is not open', () => {
    const devNull = openSync('/dev/null', 'r');
    const file = join(mkdtempSync(join(tmpdir(), 'newsdesk-mode-')), 'commands.txt');
    writeFileSync(file, '/news\n');
    const fileFd = openSync(file, 'r');
    try {
      expect(stdinKind(devNull)).toBe('null');
      expect(stdinKind(fileFd)).toBe('file');
    } finally {
      closeSync(devNull);
      closeSync(fileFd);
    }
    expect(stdinKind(99_999)).toBe('unreadable'); // no such descriptor (EBADF)
  });

  it('unset TERMINAL, no platform: the terminal on a TTY, pipe or file; headless on /dev/null or unreadable', () => {
    expect(runMode(none, 'tty')).toEqual({ terminal: true, reason: 'no platform configured and stdin is a terminal (TERMINAL=0 runs as a service)' });
    expect(runMode(none, 'pipe').terminal).toBe(true);
    expect(runMode(none, 'file').terminal).toBe(true);
    expect(runMode(none, 'null')).toEqual({ terminal: false, reason: 'no platform configured and stdin is /dev/null' });
    expect(runMode(none, 'unreadable')).toEqual({ terminal: false, reason: 'no platform configured and stdin is unreadable' });
  });

  it('TERMINAL=0 is a service whatever stdin is; TERMINAL=1 is the terminal whatever is configured', () => {
    expect(runMode({ ...none, TERMINAL: false, terminalEnabled: false }, 'tty')).toEqual({ terminal: false, reason: 'TERMINAL=0' });
    expect(runMode({ ...slack, TERMINAL: true, terminalEnabled: true }, 'null')).toEqual({ terminal: true, reason: 'TERMINAL=1' });
    expect(runMode(slack, 'tty')).toEqual({ terminal: false, reason: 'Slack configured (TERMINAL=1 adds the terminal)' });
  });
});
