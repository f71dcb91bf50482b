import {
  BackstageCredentials,
  LoggerService,
  resolveSafeChildPath,
} from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, stringifyError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import fs from 'node:fs/promises';
import {
  LocalCatalogDirectory,
  PublishOutcome,
} from '../localCatalog/LocalCatalogDirectory';
import { parseCatalogFile } from '../localCatalog/parseCatalogFile';
import { refreshLocalLocations } from '../localCatalog/refreshLocalLocations';
import { examples } from './publishLocal.examples';

/** The id templates use to call this action. */
export const PUBLISH_LOCAL_ACTION_ID = 'apigee:catalog:publish-local';

/** The configuration key naming the directory. */
export const LOCAL_CATALOG_DIRECTORY_CONFIG_KEY =
  'scaffolder.apigeeCredentials.localCatalogDirectory';

const PLANNED: Record<PublishOutcome, string> = {
  created: 'a new file',
  unchanged: 'already there, unchanged',
  replaced: 'replacing a different file',
};

// A catalog-info.yaml is a few kilobytes; refuse to copy anything that is clearly not one.
const MAX_CATALOG_FILE_BYTES = 256 * 1024;

/**
 * `apigee:catalog:publish-local`: copies a catalog file from the task workspace into a
 * directory the catalog reads through a `file` location, then asks the catalog to re-read
 * that location. For portals without a git host (the demo); with one, use `publish:*`
 * and `catalog:register` instead.
 *
 * @public
 */
export function createPublishLocalAction(options: {
  /** The configured directory; undefined when the portal has none (the action then fails clearly). */
  directory?: LocalCatalogDirectory;
  catalog: CatalogService;
  /** `file` targets of `catalog.locations`, so a location with no entity yet is refreshed too. */
  configuredLocationTargets?: string[];
}) {
  const { directory, catalog } = options;

  return createTemplateAction({
    id: PUBLISH_LOCAL_ACTION_ID,
    description:
      'Publishes a catalog file from the workspace to the local catalog directory ' +
      `(${LOCAL_CATALOG_DIRECTORY_CONFIG_KEY}), which the catalog reads through a file location, ` +
      'and has the catalog read it at once. Only Component, API, Resource and System entities; ' +
      'never writes outside that directory.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        filePath: z =>
          z
            .string()
            .optional()
            .describe(
              'Path of the catalog file in the workspace; defaults to catalog-info.yaml',
            ),
        replace: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Overwrite a different file already published for the same entity; defaults to false',
            ),
      },
      output: {
        entityRef: z =>
          z
            .string()
            .describe('Ref of the published entity (its first Component)'),
        filePath: z =>
          z
            .string()
            .describe('Where the file was published on the backend host'),
      },
    },

    async handler(ctx) {
      if (!directory) {
        throw new InputError(
          `${PUBLISH_LOCAL_ACTION_ID} needs a directory to publish to: set ${LOCAL_CATALOG_DIRECTORY_CONFIG_KEY} ` +
            'in the app-config, and read it from catalog.locations with a file location',
        );
      }
      const relativePath = ctx.input.filePath ?? 'catalog-info.yaml';
      const source = resolveSafeChildPath(ctx.workspacePath, relativePath);
      // lstat: a symlink in the workspace must not smuggle in a file from elsewhere.
      const stat = await fs.lstat(source).catch(() => undefined);
      if (!stat?.isFile()) {
        throw new InputError(
          `There is no regular file ${relativePath} in the workspace to publish`,
        );
      }
      if (stat.size > MAX_CATALOG_FILE_BYTES) {
        throw new InputError(
          `${relativePath} is ${stat.size} bytes; a catalog file may be at most ${MAX_CATALOG_FILE_BYTES}`,
        );
      }
      const content = await fs.readFile(source, 'utf8');
      const subject = parseCatalogFile(content, relativePath);
      const entityRef = stringifyEntityRef(subject);
      const target = directory.pathOf(subject);

      if (ctx.isDryRun) {
        const outcome = await directory.plan(subject, content);
        ctx.logger.info(
          `Dry run: would publish ${relativePath} (${entityRef}) to ${target}` +
            ` (${PLANNED[outcome]}). Nothing was changed.`,
        );
      } else {
        const outcome = await directory.publish(subject, content, {
          replace: ctx.input.replace === true,
        });
        ctx.logger.info(`Published ${entityRef} to ${target} (${outcome})`);
        await askCatalogToRead(ctx.logger, {
          catalog,
          directory,
          entityRef,
          credentials: await ctx.getInitiatorCredentials(),
          configuredTargets: options.configuredLocationTargets,
        });
      }

      ctx.output('entityRef', entityRef);
      ctx.output('filePath', target);
    },
  });
}

/**
 * Best effort: the file is published either way, and the catalog reads it at its next
 * processing round if the refresh is refused (e.g. the user may not refresh entities).
 */
async function askCatalogToRead(
  logger: LoggerService,
  options: {
    catalog: CatalogService;
    directory: LocalCatalogDirectory;
    entityRef: string;
    credentials: BackstageCredentials;
    configuredTargets?: string[];
  },
) {
  const { catalog, directory, entityRef, credentials } = options;
  let refreshed: string[];
  try {
    refreshed = await refreshLocalLocations({
      catalog,
      directory: directory.directory,
      credentials,
      configuredTargets: options.configuredTargets,
    });
  } catch (error) {
    logger.warn(
      `Could not ask the catalog to re-read ${
        directory.directory
      } (${stringifyError(error)}); ` +
        `${entityRef} appears at the catalog's next processing round instead`,
    );
    return;
  }
  if (refreshed.length === 0) {
    logger.warn(
      `No catalog location reads ${directory.directory}, so ${entityRef} will not appear in the catalog. ` +
        `Add a file location with target ${directory.locationTarget} to catalog.locations.`,
    );
  } else {
    logger.info(`Asked the catalog to re-read ${refreshed.join(', ')}`);
  }
}
