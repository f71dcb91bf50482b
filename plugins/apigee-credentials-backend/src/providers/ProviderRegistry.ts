import { Config } from '@backstage/config';
import { InputError, NotFoundError } from '@backstage/errors';
import { KeyProvider } from '@keyrotation/backstage-plugin-apigee-credentials-node';
import { ApigeeKeyProvider } from './apigee/ApigeeKeyProvider';
import { readApigeeProviderConfigs } from './apigee/config';

/** The key providers bindings can name: configured Apigee organisations plus module-added ones. */
export class ProviderRegistry {
  readonly #providers = new Map<string, KeyProvider>();

  /** Builds the configured Apigee providers and adds those registered through the extension point. */
  static fromConfig(
    config: Config,
    extraProviders: KeyProvider[] = [],
  ): ProviderRegistry {
    const registry = new ProviderRegistry();
    for (const providerConfig of readApigeeProviderConfigs(config)) {
      registry.add(new ApigeeKeyProvider(providerConfig));
    }
    for (const provider of extraProviders) registry.add(provider);
    return registry;
  }

  add(provider: KeyProvider): void {
    if (!provider.name) {
      throw new InputError('A key provider must have a name');
    }
    if (this.#providers.has(provider.name)) {
      throw new InputError(
        `Two key providers are named ${provider.name}; provider names must be unique`,
      );
    }
    this.#providers.set(provider.name, provider);
  }

  get(name: string): KeyProvider {
    const provider = this.#providers.get(name);
    if (!provider) {
      throw new NotFoundError(
        `No key provider named ${name}; known providers: ${
          [...this.#providers.keys()].join(', ') || 'none'
        }`,
      );
    }
    return provider;
  }

  names(): string[] {
    return [...this.#providers.keys()];
  }
}
