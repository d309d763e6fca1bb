import { isConfigNotFoundError } from '../config/errors.js';
import { CredentialsUnavailableError, isCredentialsUnavailableError } from './errors.js';
import { createListeners, type CredentialProvider, type Provider, type ProviderCallOptions } from './provider.js';
import type { UbiqCredentials } from './ubiq-credentials.js';

/** Anything `chain()` accepts: a plain provider function or a full `CredentialProvider`. */
export type ChainLink<T extends UbiqCredentials = UbiqCredentials> = Provider<T> | CredentialProvider<T>;

function isFull<T extends UbiqCredentials>(link: ChainLink<T>): link is CredentialProvider<T> {
  return typeof (link as Partial<CredentialProvider<T>>).onRefresh === 'function';
}

/**
 * Tries each source in order and uses the first that has credentials, like the AWS SDK's `chain()`:
 * it moves on only when a source says "nothing here" (`credentials_unavailable`, or the config loader's
 * `config_not_found`); any other error — a malformed file, a wrong password — stops the chain, because
 * the user meant that source. The first source that answers is kept for every later call. When none
 * has credentials, the error lists where each one looked.
 *
 * @example
 * const provider = chain(fromEnv(), fromConfigFiles({ profile: 'idp' }));
 * const credentials = await provider();
 */
export function chain<T extends UbiqCredentials = UbiqCredentials>(...links: ChainLink<T>[]): CredentialProvider<T> {
  const listeners = createListeners<T>();
  let chosen: ChainLink<T> | undefined;
  let closed = false;

  // Subscribed up front, not when a link is chosen: the chosen link's first sign-in reports before
  // chain() learns it succeeded. Only a link that has credentials ever reports, so forwarding all is right.
  for (const link of links) {
    if (isFull(link)) {
      link.onRefresh(listeners.emitRefresh);
      link.onRefreshError(listeners.emitError);
    }
  }

  function choose(link: ChainLink<T>): void {
    chosen ??= link;
  }

  async function resolve(call: ProviderCallOptions | undefined): Promise<{ link: ChainLink<T>; value: T }> {
    const missing: string[] = [];
    // The last source that knows what is missing (the files: which profile, which key) says how to fix it.
    let sourceHint: string | undefined;
    for (const link of links) {
      try {
        const value = await link(call);
        return { link, value };
      } catch (error) {
        // "Nothing here": our own source error, or the config loader finding no configuration at all.
        if (!isCredentialsUnavailableError(error) && !isConfigNotFoundError(error)) throw error;
        missing.push((error as Error).message);
        const hint = (error as { hint?: unknown }).hint;
        if (typeof hint === 'string') sourceHint = hint;
      }
    }
    throw new CredentialsUnavailableError(
      links.length === 0
        ? 'No credential sources were given to chain().'
        : `No Ubiq credentials found in any source:\n${missing.map((m) => `  - ${m.replace(/\n/g, '\n    ')}`).join('\n')}`,
      {
        hint:
          sourceHint ??
          "Create ~/.ubiq/credentials with IDP_USERNAME and IDP_PASSWORD (setup step 'Ubiq Credential settings') and the idp block in ~/.ubiq/configuration, or set UBIQ_IDP_USERNAME, UBIQ_IDP_PASSWORD and the UBIQ_IDP_* variables.",
      },
    );
  }

  const provider = (async (call?: ProviderCallOptions) => {
    if (chosen !== undefined) return chosen(call);
    const { link, value } = await resolve(call);
    choose(link);
    return value;
  }) as CredentialProvider<T>;
  provider.forceRefresh = async (call?: ProviderCallOptions) => {
    if (chosen === undefined) await provider(call);
    const link = chosen!;
    return isFull(link) ? link.forceRefresh(call) : link(call);
  };
  provider.close = async () => {
    if (closed) return;
    closed = true;
    listeners.clear();
    await Promise.all(links.map((link) => (isFull(link) ? link.close() : Promise.resolve())));
  };
  provider.onRefresh = listeners.onRefresh;
  provider.onRefreshError = listeners.onRefreshError;
  return provider;
}
