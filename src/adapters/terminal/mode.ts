import { fstatSync } from 'node:fs';
import { isatty } from 'node:tty';

/**
 * Terminal or service (DESIGN, "Terminal"): TERMINAL=1 forces the terminal, TERMINAL=0 turns it off. Unset, the
 * terminal runs when no platform is configured and stdin is a TTY, a pipe (or socket) or a file; stdin at
 * /dev/null (systemd, Docker without -i, nohup) or unreadable means headless: the HTTP server, push API, feeds
 * and alerts keep running until a signal stops them.
 */
export type StdinKind = 'tty' | 'pipe' | 'file' | 'null' | 'unreadable';

export function stdinKind(fd = 0): StdinKind {
  try {
    const st = fstatSync(fd);
    if (isatty(fd)) return 'tty';
    if (st.isFIFO() || st.isSocket()) return 'pipe';
    if (st.isFile()) return 'file';
    // A character device that is not a terminal: /dev/null and its kind.
    return 'null';
  } catch {
    return 'unreadable';
  }
}

export interface RunMode {
  terminal: boolean;
  /** One line for the log: which mode and why. */
  reason: string;
}

export function runMode(
  config: { TERMINAL?: boolean; terminalEnabled: boolean; discordEnabled: boolean; slackEnabled: boolean },
  stdin: StdinKind,
): RunMode {
  const platforms = [config.discordEnabled && 'Discord', config.slackEnabled && 'Slack'].filter(Boolean).join(' and ');
  if (config.TERMINAL === true) return { terminal: true, reason: 'TERMINAL=1' };
  if (config.TERMINAL === false) return { terminal: false, reason: 'TERMINAL=0' };
  if (!config.terminalEnabled) return { terminal: false, reason: `${platforms} configured (TERMINAL=1 adds the terminal)` };
  if (stdin === 'null' || stdin === 'unreadable') {
    return { terminal: false, reason: `no platform configured and stdin is ${stdin === 'null' ? '/dev/null' : 'unreadable'}` };
  }
  return { terminal: true, reason: `no platform configured and stdin is a ${stdin === 'tty' ? 'terminal' : stdin} (TERMINAL=0 runs as a service)` };
}
