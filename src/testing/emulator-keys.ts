import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import type { EmulatorClock } from './emulator-clock.js';
import { EmulatorUsageError } from './emulator-errors.js';

/** A public signing key as published in a JWKS. */
export interface EmulatorPublicJwk extends JWK {
  kid: string;
  kty: 'RSA';
  use: 'sig';
  /** Okta publishes `alg`; Entra does not. */
  alg?: 'RS256';
}

/** Options of `rotateKeys()`. */
export interface RotateKeysOptions {
  /**
   * Keep the previous key in the JWKS for this long (emulator clock), so tokens it signed still verify.
   * Default 24 hours. 0 drops it at once (tokens it signed stop verifying: a "hard" rotation).
   */
  graceMs?: number;
}

interface RingKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: EmulatorPublicJwk;
  /** Epoch ms after which the key leaves the JWKS; undefined while it is the current key. */
  retiresAt?: number;
}

/** @internal Signing keys of one authorization server / tenant. Generated lazily (key generation is async). */
export interface KeyRing {
  jwks(): Promise<{ keys: EmulatorPublicJwk[] }>;
  currentKid(): Promise<string>;
  sign(payload: JWTPayload, header?: Record<string, unknown>, options?: { unpublished?: boolean }): Promise<string>;
  rotate(options?: RotateKeysOptions): Promise<{ kid: string; previousKid: string | undefined }>;
}

const DEFAULT_GRACE_MS = 24 * 60 * 60 * 1000;

async function newKey(modulusLength: number, decorate: (jwk: EmulatorPublicJwk) => EmulatorPublicJwk): Promise<RingKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength, extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  const publicJwk = decorate({ ...jwk, kty: 'RSA', kid, use: 'sig', alg: 'RS256' });
  return { kid, privateKey, publicJwk };
}

/** @internal */
export function createKeyRing(options: {
  clock: EmulatorClock;
  modulusLength?: number;
  /** Adds provider-specific JWK members (Entra: `x5t`, `issuer`). */
  decorate?: (jwk: EmulatorPublicJwk) => EmulatorPublicJwk;
  /** Also put the kid in the header as `x5t` (Entra does: its kid is the certificate thumbprint). */
  x5tHeader?: boolean;
}): KeyRing {
  const modulusLength = options.modulusLength ?? 2048;
  const decorate = options.decorate ?? ((jwk) => jwk);
  let keys: RingKey[] = [];
  let ready: Promise<void> | undefined;
  let unpublished: Promise<RingKey> | undefined;

  const ensure = () =>
    (ready ??= newKey(modulusLength, decorate).then((key) => {
      keys = [key];
    }));
  const live = () => {
    const now = options.clock.now();
    keys = keys.filter((key) => key.retiresAt === undefined || key.retiresAt > now);
    return keys;
  };
  const current = async () => {
    await ensure();
    const key = keys.find((k) => k.retiresAt === undefined);
    if (key === undefined) throw new EmulatorUsageError('The emulator key ring has no current key.', 'Rotate keys with the emulator API only; do not remove the current key.');
    return key;
  };

  return {
    async jwks() {
      await ensure();
      // Current key first: clients that take the first key still pick the right one.
      const list = live().slice().sort((a, b) => (a.retiresAt ?? Infinity) - (b.retiresAt ?? Infinity)).reverse();
      return { keys: list.map((key) => key.publicJwk) };
    },
    async currentKid() {
      return (await current()).kid;
    },
    async sign(payload, header = {}, signOptions = {}) {
      const key = signOptions.unpublished ? await (unpublished ??= newKey(modulusLength, decorate)) : await current();
      const thumbprint = options.x5tHeader ? { x5t: key.kid } : {};
      return new SignJWT(payload).setProtectedHeader({ ...header, alg: 'RS256', ...thumbprint, kid: key.kid }).sign(key.privateKey);
    },
    async rotate(rotateOptions = {}) {
      const graceMs = rotateOptions.graceMs ?? DEFAULT_GRACE_MS;
      const previous = await current();
      const next = await newKey(modulusLength, decorate);
      previous.retiresAt = options.clock.now() + graceMs;
      keys = [next, ...keys];
      live();
      return { kid: next.kid, previousKid: previous.kid };
    },
  };
}
