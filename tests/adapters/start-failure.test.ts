import { describe, expect, it } from 'vitest';
import { explainStartFailure, type StartStep } from '../../src/adapters/start-failure.js';

const discord: StartStep = {
  platform: 'Discord', tokenVariable: 'DISCORD_TOKEN', doing: 'logging in to the gateway', apiUrlVariable: 'DISCORD_API_URL',
  resetHint: 'reset the token in the Developer Portal (Bot → Reset Token)',
};

describe('a platform refusal at start-up, said for people', () => {
  it('getaddrinfo ENOTFOUND discord.com: the host, and to check the network', () => {
    const err = Object.assign(new Error('getaddrinfo ENOTFOUND discord.com'), { code: 'ENOTFOUND', hostname: 'discord.com' });
    expect(explainStartFailure(discord, err).message).toBe(
      'Discord could not be reached (ENOTFOUND discord.com) while logging in to the gateway: check the network, or DISCORD_API_URL if set',
    );
    // The same, wrapped as fetch wraps it.
    const wrapped = new TypeError('fetch failed', { cause: err });
    expect(explainStartFailure(discord, wrapped).message).toContain('(ENOTFOUND discord.com)');
  });

  it("discord.js's TokenInvalid: the variable and how to get a new token", () => {
    const err = Object.assign(new Error('An invalid token was provided.'), { code: 'TokenInvalid' });
    expect(explainStartFailure(discord, err).message).toBe(
      'Discord refused DISCORD_TOKEN (invalid token) while logging in to the gateway: reset the token in the Developer Portal (Bot → Reset Token), and set DISCORD_TOKEN',
    );
  });

  it('anything else: the platform, the step and its message, the original kept as cause', () => {
    const err = new Error('Discord did not become ready in time');
    const said = explainStartFailure(discord, err);
    expect(said.message).toBe('Discord failed while logging in to the gateway: Discord did not become ready in time');
    expect(said.cause).toBe(err);
  });
});
