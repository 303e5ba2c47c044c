import { clearLine, createInterface, cursorTo } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Invocation, User } from '../../core/command.js';
import type { Dispatcher } from '../../core/dispatcher.js';
import { formatChannelRef } from '../../domain/channel.js';
import type { Reply, ReplyButton } from '../../core/reply.js';
import type { Logger } from '../../log.js';
import { TerminalPort } from './port.js';
import { renderReply, sanitize } from './render.js';

/**
 * The terminal adapter (Hubot's shell, Errbot's text backend): type the same slash commands as in Discord
 * or Slack, act as another user, role or channel with `:as` and `:in`, click buttons with `:click N`.
 */
export interface TerminalOptions {
  dispatcher: Dispatcher;
  logger: Logger;
  input: Readable;
  output: Writable;
  /** Initial channel name (alerts for terminal:<name> show here). */
  channel: string;
  /** Colours and a prompt: only on a TTY. */
  interactive: boolean;
  /** Called once at end of input (piped input finished, or Ctrl-D). */
  onEnd?: () => void;
  /** The port alerts were already queued on during start-up (else a new one). */
  port?: TerminalPort;
}

export interface TerminalAdapter {
  port: TerminalPort;
  /** Resolves when every line read so far has been answered. */
  idle(): Promise<void>;
  stop(): void;
}

const META_HELP = [
  ':as admin | :as reader | :as <name> [admin]   act as another user or role',
  ':in #channel                                  act in another channel',
  ':whoami                                       who and where you are',
  ':click N                                      click button N of the latest answer or preview shown with buttons',
  ':quit                                         leave',
].join('\n');

export function startTerminal(opts: TerminalOptions): TerminalAdapter {
  const style = { color: opts.interactive, width: Math.min(100, (opts.output as NodeJS.WriteStream).columns ?? 100) };
  let user: User = { id: 'terminal-user', name: 'you', isAdmin: false };
  let channel = opts.channel;
  let lastButtons: ReplyButton[] = [];
  let queue: Promise<void> = Promise.resolve();
  let closed = false;
  /** Lines typed and not answered yet: their last answer redraws the prompt, nothing else does meanwhile. */
  let pending = 0;

  const write = (text: string) => {
    opts.output.write(`${text}\n`);
  };
  const prompt = () => {
    if (opts.interactive && !closed && pending === 0) rl.prompt(true);
  };
  const show = (reply: Reply) => {
    // :click presses the latest answer or printed preview shown with buttons: a plain answer (a press's own reply)
    // leaves the preview's buttons clickable.
    if (reply.buttons?.length) lastButtons = reply.buttons;
    write(renderReply(reply, style));
  };

  const port = opts.port ?? new TerminalPort();
  port.attach((heading, reply) => {
    // An alert arriving at the prompt replaces the prompt line and redraws it (with what was typed) below; while
    // a command is being answered, the answer's own prompt comes after both.
    const atPrompt = opts.interactive && pending === 0;
    if (atPrompt) {
      clearLine(opts.output, 0);
      cursorTo(opts.output, 0);
    }
    // An approval preview (or any printed alert with buttons) is what :click presses next.
    if (reply?.buttons?.length) lastButtons = reply.buttons;
    // A deletion is its heading alone: no empty body line after it.
    write(`${atPrompt ? '' : '\n'}${style.color ? '\x1b[1m' : ''}${heading}${style.color ? '\x1b[0m' : ''}${reply ? `\n${renderReply(reply, style)}` : ''}`);
    prompt();
  });

  const rl = createInterface({ input: opts.input, output: opts.interactive ? opts.output : undefined, terminal: opts.interactive });
  rl.setPrompt('newsdesk> ');

  const base = (): Omit<Invocation, 'command'> => ({
    platform: 'terminal',
    user,
    workspace: '',
    channel: formatChannelRef({ platform: 'terminal', workspace: '', channel }),
    channelName: channel,
  });

  async function handle(line: string): Promise<void> {
    const text = line.trim();
    if (!text) return;
    if (text.startsWith(':')) return meta(text);
    if (!text.startsWith('/')) {
      write('Commands start with a slash: try /news, /summary or /help (and :help for terminal tricks).');
      return;
    }
    const m = /^\/(\S*)\s*([\s\S]*)$/.exec(text)!;
    show(await opts.dispatcher.dispatch({ ...base(), command: m[1], text: m[2] }));
  }

  async function meta(text: string): Promise<void> {
    const [word, ...args] = text.slice(1).split(/\s+/);
    switch (word.toLowerCase()) {
      case 'as': {
        const [who, role] = args;
        if (!who) return write('Usage: :as admin | :as reader | :as <name> [admin]');
        const isAdmin = who === 'admin' || role === 'admin';
        const name = who === 'admin' || who === 'reader' ? (isAdmin ? 'admin' : 'reader') : sanitize(who).slice(0, 40);
        user = { id: `terminal-${name}`, name, isAdmin };
        return write(`You are now ${name}${isAdmin ? ' (admin)' : ''}.`);
      }
      case 'in': {
        const name = (args[0] ?? '').replace(/^#/, '');
        if (!/^[A-Za-z0-9_.-]{1,80}$/.test(name)) return write('Usage: :in #channel (letters, digits, _ . -)');
        channel = name;
        return write(`You are now in #${channel}.`);
      }
      case 'whoami':
        return write(`${user.name}${user.isAdmin ? ' (admin)' : ''} in #${channel}`);
      case 'click': {
        const n = Number(args[0]);
        const button = lastButtons[n - 1];
        if (!button) return write(lastButtons.length ? `Pick a button from 1 to ${lastButtons.length}.` : 'No buttons shown yet.');
        show(await opts.dispatcher.action(base(), button.action));
        return;
      }
      case 'quit':
      case 'exit':
        rl.close();
        return;
      case 'help':
        return write(META_HELP);
      default:
        return write(`Unknown terminal command :${sanitize(word).slice(0, 20)}. Try :help.`);
    }
  }

  rl.on('line', (line) => {
    pending++;
    queue = queue
      .then(() => handle(line))
      .catch((err: unknown) => {
        opts.logger.error({ err }, 'terminal line failed');
        write('Sorry, something went wrong on our side.');
      })
      .then(() => {
        pending--;
        prompt();
      });
  });
  rl.on('close', () => {
    if (closed) return;
    closed = true;
    void queue.then(() => opts.onEnd?.());
  });
  if (opts.interactive) {
    write('Newsdesk — type /help for commands, :help for terminal tricks, Ctrl-D to leave.');
    prompt();
  }

  return {
    port,
    idle: () => queue,
    stop() {
      closed = true;
      rl.close();
    },
  };
}
