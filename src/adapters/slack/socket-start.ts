import type { webApi } from '@slack/bolt';
import type { Logger } from '../../log.js';

/**
 * Socket Mode connection attempts that an outage cannot hide or hang. `apps.connections.open` is retried by
 * the web-api client (p-retry) for start-up and for every reconnection; left to its defaults it retried a hundred
 * times in silence while start-up waited. Here each failure is logged, the backoff doubles from 1 s to a minute
 * and goes on as long as the bot runs, and once stopping, the next failure ends the attempts.
 */
export const SOCKET_RETRIES: webApi.RetryOptions = { forever: true, factor: 2, minTimeout: 1_000, maxTimeout: 60_000, randomize: true, unref: true };

interface FailedAttempt extends Error {
  attemptNumber?: number;
  statusCode?: number;
  original?: Error;
}

function describe(err: FailedAttempt): string {
  if (err.statusCode) return `HTTP ${err.statusCode}`;
  return err.original?.message ?? err.message;
}

/** web-api hands retryConfig to p-retry as it is, so p-retry's onFailedAttempt works though its type omits it. */
type PRetryOptions = webApi.RetryOptions & { onFailedAttempt?: (err: FailedAttempt) => void };

export interface SocketAttempts {
  retryConfig: webApi.RetryOptions;
  /** Settles when the first attempt has failed (start-up goes on without waiting). */
  firstFailure: Promise<void>;
}

export function socketAttempts(base: webApi.RetryOptions | undefined, logger: Logger, stopping: AbortSignal): SocketAttempts {
  let failed!: () => void;
  const firstFailure = new Promise<void>((r) => { failed = r; });
  const retryConfig: PRetryOptions = {
    ...(base ?? SOCKET_RETRIES),
    onFailedAttempt: (err: FailedAttempt) => {
      if (stopping.aborted) throw err;
      logger.warn(
        { attempt: err.attemptNumber, error: describe(err) },
        'slack: Socket Mode could not connect (apps.connections.open failed); retrying with backoff',
      );
      failed();
    },
  };
  return { firstFailure, retryConfig };
}

/**
 * Start-up waits for the connection only while nothing failed: a refused app token still fails start-up, but
 * after a failed attempt the bot starts (serving /healthz and its other adapters) and the attempts go on.
 * Answers 'connected' or 'retrying'.
 */
export async function connectOrKeepTrying(
  start: Promise<unknown>, attempts: SocketAttempts, logger: Logger, stopping: AbortSignal,
): Promise<'connected' | 'retrying'> {
  const connected = start.then(() => 'connected' as const);
  const outcome = await Promise.race([connected, attempts.firstFailure.then(() => 'retrying' as const)]);
  if (outcome === 'retrying') {
    connected.then(
      () => logger.warn('slack: Socket Mode connected after failed attempts'),
      (err: unknown) => {
        if (!stopping.aborted) logger.error({ err }, 'slack: Socket Mode gave up connecting');
      },
    );
  }
  return outcome;
}
