import { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { parseCredentialBindings } from '@keyrotation/backstage-plugin-apigee-credentials-common';
import { ProbeHostSettings } from '../../engine/settings';
import { CredentialBinding } from '../../engine/types';
import {
  findTargetConflicts,
  secretTargetKey,
  TargetClaim,
} from '../../ownership/targetClaims';
import {
  CatalogBindingRow,
  CatalogBindingStore,
} from '../../database/CatalogBindingStore';
import { bindingIdOf, toEngineBinding } from './toEngineBinding';

/** Outcome of one sync, for logs and tests. */
export interface BindingSyncResult {
  entities: number;
  valid: number;
  invalid: number;
  removed: string[];
}

export interface CatalogBindingSyncOptions {
  catalog: CatalogService;
  auth: AuthService;
  logger: LoggerService;
  store: CatalogBindingStore;
  /** Records valid bindings in the engine. */
  upsertBindings(bindings: CredentialBinding[]): Promise<void>;
  /**
   * Refuses a binding whose provider is not configured or whose AWS account is not
   * allow-listed, by throwing an error with a readable message. Makes no network call.
   */
  validateTarget(binding: CredentialBinding): void;
  /** What the engine has stored about each binding, for the one-binding-per-target rule. */
  listClaims(): Promise<TargetClaim[]>;
  /** Probe hosts from config, by name. */
  probeHosts: ReadonlyMap<string, ProbeHostSettings>;
  pageSize?: number;
}

const FIELDS = [
  'kind',
  'metadata.namespace',
  'metadata.name',
  'metadata.annotations',
  'spec.owner',
];

/**
 * Reads binding annotations from the catalog (paged) into the plugin's tables, so that
 * status reads never reach the catalog, AWS or Apigee. A bad annotation becomes a
 * `misconfigured` binding with its reason; it never stops the sync.
 */
export class CatalogBindingSync {
  constructor(private readonly options: CatalogBindingSyncOptions) {}

  async run(): Promise<BindingSyncResult> {
    const { catalog, auth, store, logger } = this.options;
    const credentials = await auth.getOwnServiceCredentials();
    const now = new Date();
    const rows: CatalogBindingRow[] = [];
    const valid: CredentialBinding[] = [];
    let entities = 0;
    let cursor: string | undefined;
    do {
      const page = await catalog.queryEntities(
        cursor
          ? { cursor, limit: this.options.pageSize ?? 500 }
          : { fields: FIELDS, limit: this.options.pageSize ?? 500 },
        { credentials },
      );
      for (const entity of page.items) {
        entities += 1;
        for (const found of this.#bindingsOf(entity, now)) {
          rows.push(found.row);
          if (found.binding) valid.push(found.binding);
        }
      }
      cursor = page.pageInfo.nextCursor;
    } while (cursor);

    const conflicts = await this.#conflicts(valid);
    const accepted = valid.filter(b => !conflicts.has(b.id));
    for (const row of rows) {
      const holder = conflicts.get(row.id);
      if (holder) {
        row.error = `Its secret is already bound to ${holder.replace(
          '#',
          ' (environment ',
        )}); a secret has one binding. Remove this annotation, or ask the owners of that entity to release the secret`;
      }
    }

    await this.options.upsertBindings(accepted);
    const removed = await store.replaceAll(rows);
    const result = {
      entities,
      valid: accepted.length,
      invalid: rows.length - accepted.length,
      removed,
    };
    logger.info(
      `Synced credential bindings from ${entities} catalog entities: ${result.valid} valid, ${result.invalid} misconfigured, ${removed.length} removed`,
    );
    return result;
  }

  /** Bindings whose secret another binding holds (see findTargetConflicts), to the holder. */
  async #conflicts(valid: CredentialBinding[]): Promise<Map<string, string>> {
    const stored = new Map(
      (await this.options.listClaims()).map(c => [c.bindingId, c]),
    );
    return findTargetConflicts(
      valid.map(binding => {
        const known = stored.get(binding.id);
        // A proof holds for the secret it was made for, not for one the annotation names now.
        const sameSecret =
          known && secretTargetKey(known.binding) === secretTargetKey(binding);
        return {
          bindingId: binding.id,
          binding,
          ownership: sameSecret ? known.ownership : undefined,
          createdAt: known?.createdAt,
        };
      }),
    );
  }

  *#bindingsOf(
    entity: Entity,
    now: Date,
  ): Generator<{ row: CatalogBindingRow; binding?: CredentialBinding }> {
    const entityRef = stringifyEntityRef(entity).toLocaleLowerCase('en-US');
    const owner = entity.spec?.owner;
    const ownerRef =
      typeof owner === 'string' ? normaliseOwner(owner, entity) : undefined;
    const { bindings, errors } = parseCredentialBindings(entity);
    for (const error of errors) {
      yield {
        row: {
          id: bindingIdOf(entityRef, error.environment),
          entityRef,
          environment: error.environment,
          ownerRef,
          error: `${error.annotation}: ${error.message}`,
          syncedAt: now,
        },
      };
    }
    for (const spec of bindings) {
      const row: CatalogBindingRow = {
        id: bindingIdOf(entityRef, spec.environment),
        entityRef,
        environment: spec.environment,
        ownerRef,
        window: spec.window,
        syncedAt: now,
      };
      try {
        const binding = toEngineBinding(
          entityRef,
          spec,
          this.options.probeHosts,
          ownerRef,
        );
        this.options.validateTarget(binding);
        yield { row, binding };
      } catch (error) {
        yield { row: { ...row, error: (error as Error).message } };
      }
    }
  }
}

/** `spec.owner` may be a bare name or a partial ref; it names a group unless it says otherwise. */
function normaliseOwner(owner: string, entity: Entity): string | undefined {
  try {
    return stringifyEntityRef(
      parseEntityRef(owner, {
        defaultKind: 'group',
        defaultNamespace: entity.metadata.namespace ?? 'default',
      }),
    ).toLocaleLowerCase('en-US');
  } catch {
    return undefined;
  }
}
