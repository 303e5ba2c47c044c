/**
 * A platform's refusal at start-up, said for the person who set it up: which platform, which variable, what
 * Newsdesk was doing, and what to do ("Discord refused DISCORD_TOKEN (401 Unauthorized) while registering slash
 * commands: reset the token…"). The platform's own error stays as `cause` for the debug log; secrets never appear.
 */
export class PlatformStartError extends Error {}

export interface StartStep {
  platform: 'Discord' | 'Slack';
  /** The variable a refused credential comes from. */
  tokenVariable: 'DISCORD_TOKEN' | 'SLACK_BOT_TOKEN' | 'SLACK_APP_TOKEN';
  /** What Newsdesk was doing, as words: "registering slash commands". */
  doing: string;
  /** Where to get a new credential. */
  resetHint: string;
  /** The variable that points elsewhere than the platform (DISCORD_API_URL, SLACK_API_URL). */
  apiUrlVariable: string;
  /** Extra advice per HTTP status (e.g. 404 while registering: check DISCORD_APPLICATION_ID). */
  byStatus?: Record<number, string>;
}

/** Runs one start-up step; its failure becomes a PlatformStartError. */
export async function startStep<T>(step: StartStep, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw explainStartFailure(step, err);
  }
}

const REFUSED_SLACK = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'not_allowed_token_type']);
const NETWORK = /^(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|UND_ERR_CONNECT_TIMEOUT|UND_ERR_SOCKET)$/;

export function explainStartFailure(step: StartStep, err: unknown): Error {
  if (err instanceof PlatformStartError) return err;
  const e = err as {
    status?: number; statusCode?: number; code?: string | number; data?: { error?: string }; message?: string; rawError?: { message?: string };
  };
  const status = e.status ?? e.statusCode;
  const slackError = e.data?.error;
  const { platform, tokenVariable, doing } = step;
  const say = (text: string) => new PlatformStartError(text, { cause: err });

  if (status === 401 || e.code === 'TokenInvalid' || (slackError && REFUSED_SLACK.has(slackError))) {
    const why = slackError ?? (status === 401 ? '401 Unauthorized' : 'invalid token');
    return say(`${platform} refused ${tokenVariable} (${why}) while ${doing}: ${step.resetHint}, and set ${tokenVariable}`);
  }
  const network = networkCode(err);
  if (network) {
    return say(`${platform} could not be reached (${network}) while ${doing}: check the network, or ${step.apiUrlVariable} if set`);
  }
  if (status !== undefined && step.byStatus?.[status]) {
    const said = e.rawError?.message && !/^\d{3}:/.test(e.rawError.message) ? ` (${e.rawError.message})` : '';
    return say(`${platform} answered ${status}${said} while ${doing}: ${step.byStatus[status]}`);
  }
  const what = slackError ?? (status !== undefined ? `HTTP ${status}` : (e.message ?? String(err)));
  return say(`${platform} failed while ${doing}: ${what}`);
}

/** ENOTFOUND, ECONNREFUSED…, wherever the library put it (the error, its cause, or web-api's `original`). */
function networkCode(err: unknown): string | null {
  type Net = { code?: unknown; cause?: unknown; original?: unknown; message?: unknown; hostname?: unknown; address?: unknown; port?: unknown };
  let e = err as Net | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string' && NETWORK.test(e.code)) {
      const host = typeof e.hostname === 'string' ? e.hostname : typeof e.address === 'string' ? e.address : null;
      return host ? `${e.code} ${host}${typeof e.port === 'number' ? `:${e.port}` : ''}` : e.code;
    }
    const m = typeof e.message === 'string' ? /\b(ENOTFOUND|ECONNREFUSED|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH)\b(?: ([\w.:-]+))?/.exec(e.message) : null;
    if (m) return m[2] ? `${m[1]} ${m[2]}` : m[1];
    e = (e.cause ?? e.original) as typeof e;
  }
  return null;
}
