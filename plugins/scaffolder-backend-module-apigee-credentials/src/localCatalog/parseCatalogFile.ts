import { InputError } from '@backstage/errors';
import {
  Entity,
  KubernetesValidatorFunctions,
  DEFAULT_NAMESPACE,
} from '@backstage/catalog-model';
import { parseAllDocuments } from 'yaml';

/**
 * Kinds a template may publish. Never `Location` (it would make the catalog read any path
 * it names), nor `Template`, `User`, `Group` or `Domain`, which templates have no business
 * creating.
 */
export const PUBLISHABLE_KINDS = ['Component', 'API', 'Resource', 'System'];

/** The entity a catalog file is published under (and its directory is named after). */
export interface CatalogFileSubject {
  kind: string;
  namespace: string;
  name: string;
}

/**
 * Parses a catalog descriptor file and checks that every document is an entity of a
 * publishable kind with a valid name. Returns the subject: its first Component, or its
 * first entity.
 */
export function parseCatalogFile(
  content: string,
  fileName: string,
): CatalogFileSubject {
  const documents = parseAllDocuments(content);
  const entities: Entity[] = [];
  for (const [index, document] of documents.entries()) {
    const where = `${fileName}, document ${index + 1}`;
    if (document.errors.length > 0) {
      throw new InputError(
        `${where} is not valid YAML: ${
          document.errors[0].message.split('\n')[0]
        }`,
      );
    }
    let value: unknown;
    try {
      // No aliases: a catalog file has no use for them, and they can blow up in size.
      value = document.toJS({ maxAliasCount: 0 });
    } catch {
      throw new InputError(
        `${where} uses YAML aliases, which a catalog file may not`,
      );
    }
    if (value === null || value === undefined) continue; // an empty document (trailing ---)
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new InputError(`${where} is not a catalog entity`);
    }
    const entity = value as Entity;
    if (typeof entity.apiVersion !== 'string' || !entity.apiVersion) {
      throw new InputError(`${where} has no apiVersion`);
    }
    if (!PUBLISHABLE_KINDS.includes(entity.kind)) {
      throw new InputError(
        `${where} is of kind ${JSON.stringify(
          entity.kind,
        )}; only ${PUBLISHABLE_KINDS.join(', ')} may be published`,
      );
    }
    const namespace = entity.metadata?.namespace ?? DEFAULT_NAMESPACE;
    if (
      !KubernetesValidatorFunctions.isValidObjectName(entity.metadata?.name)
    ) {
      throw new InputError(`${where} has no valid metadata.name`);
    }
    if (!KubernetesValidatorFunctions.isValidNamespace(namespace)) {
      throw new InputError(`${where} has an invalid metadata.namespace`);
    }
    entities.push(entity);
  }
  const subject = entities.find(e => e.kind === 'Component') ?? entities[0];
  if (!subject) {
    throw new InputError(`${fileName} holds no catalog entity`);
  }
  return {
    kind: subject.kind,
    namespace: subject.metadata.namespace ?? DEFAULT_NAMESPACE,
    name: subject.metadata.name,
  };
}
