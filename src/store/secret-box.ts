import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Secrets at rest (Slack tokens): AES-256-GCM from node:crypto under the key NEWSDESK_SECRET_KEY holds (32 bytes,
 * as 64 hex characters or base64). Each value gets a fresh 12-byte IV; the associated data binds a sealed value to
 * the row it belongs to, so a ciphertext copied onto another workspace's row does not open. Format:
 * `v1.<iv>.<tag>.<ciphertext>` (base64url). The key and the plaintext are never logged or put in an error.
 */
export class SecretKeyError extends Error {}

export function parseSecretKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(t) ? Buffer.from(t, 'base64') : null;
  if (!key || key.length !== 32) throw new SecretKeyError('NEWSDESK_SECRET_KEY must be 32 random bytes: 64 hex characters (openssl rand -hex 32) or base64');
  return key;
}

export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer | string) {
    this.key = typeof key === 'string' ? parseSecretKey(key) : key;
    if (this.key.length !== 32) throw new SecretKeyError('the secret key must be 32 bytes');
  }

  seal(plaintext: string, boundTo: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(boundTo, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  /** Throws (without the value) when the key is wrong, the value was altered, or it belongs to another row. */
  open(sealed: string, boundTo: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new SecretKeyError('a sealed secret is not in the v1 format');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(boundTo, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretKeyError('a sealed secret could not be opened: NEWSDESK_SECRET_KEY is not the key it was sealed with, or the row was altered');
    }
  }
}
