import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { ConflictError, NotAllowedError } from '@backstage/errors';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { CatalogFileSubject } from './parseCatalogFile';

/** The outcome of {@link LocalCatalogDirectory.publish}. */
export type PublishOutcome = 'created' | 'unchanged' | 'replaced';

/**
 * A directory on the backend's disk that the catalog reads through a `file` location, where
 * templates publish catalog files when there is no git host to register them from.
 * Files go to `<directory>/<namespace>/<name>/catalog-info.yaml`, and never anywhere else.
 */
export class LocalCatalogDirectory {
  /** The glob the catalog location must read, relative to nothing: an absolute path. */
  readonly locationTarget: string;

  constructor(readonly directory: string) {
    if (!path.isAbsolute(directory)) {
      throw new TypeError(
        `The local catalog directory must be an absolute path, got ${directory}`,
      );
    }
    this.locationTarget = path.join(directory, '*', '*', 'catalog-info.yaml');
  }

  /** Where the catalog file of `subject` lives. */
  pathOf(subject: CatalogFileSubject): string {
    // Names were validated (no separators, no dots-only segments); resolveSafeChildPath
    // also refuses anything that would still leave the directory, symlinks resolved.
    return resolveSafeChildPath(
      this.directory,
      path.join(subject.namespace, subject.name, 'catalog-info.yaml'),
    );
  }

  /** What {@link LocalCatalogDirectory.publish} would do, without doing it. */
  async plan(
    subject: CatalogFileSubject,
    content: string,
  ): Promise<PublishOutcome> {
    const existing = await readRegularFile(this.pathOf(subject));
    if (existing === undefined) return 'created';
    return existing === content ? 'unchanged' : 'replaced';
  }

  /**
   * Writes the catalog file. Publishing the same content again changes nothing (a retried
   * task succeeds); different content replaces the file only when `replace` is set.
   */
  async publish(
    subject: CatalogFileSubject,
    content: string,
    options: { replace: boolean },
  ): Promise<PublishOutcome> {
    const target = this.pathOf(subject);
    const outcome = await this.plan(subject, content);
    if (outcome === 'unchanged') return outcome;
    if (outcome === 'replaced' && !options.replace) {
      throw new ConflictError(
        `${target} already holds a different catalog file for ${subject.kind.toLocaleLowerCase(
          'en-US',
        )}:` +
          `${subject.namespace}/${subject.name}; choose another name, or set replace: true to overwrite it`,
      );
    }
    // pathOf() checked the real path; check again once the folders exist, in case one was
    // replaced by a symlink in between.
    await fs.mkdir(path.dirname(target), { recursive: true });
    await this.#refuseSymlinkEscape(target);
    // Write then rename, so the catalog never reads half a file.
    const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await fs.writeFile(temporary, content, { encoding: 'utf8', flag: 'wx' });
      await fs.rename(temporary, target);
    } finally {
      await fs.rm(temporary, { force: true });
    }
    return outcome;
  }

  /** Whether the folder the file goes to, symlinks resolved, is still inside the directory. */
  async #refuseSymlinkEscape(target: string): Promise<void> {
    const root = await realpathOfNearestExisting(this.directory);
    const parent = await realpathOfNearestExisting(path.dirname(target));
    const relative = path.relative(root, parent);
    if (relative.startsWith('..') || path.isAbsolute(relative)) {
      throw new NotAllowedError(
        `Refusing to publish to ${target}: it leads outside ${this.directory} through a symbolic link`,
      );
    }
  }
}

/** The real path of `dir`, or of its nearest ancestor that exists. */
async function realpathOfNearestExisting(dir: string): Promise<string> {
  let current = dir;
  for (;;) {
    try {
      const real = await fs.realpath(current);
      return path.join(real, path.relative(current, dir));
    } catch (error) {
      const parent = path.dirname(current);
      if (
        (error as NodeJS.ErrnoException).code !== 'ENOENT' ||
        parent === current
      )
        throw error;
      current = parent;
    }
  }
}

/** Reads a published file; undefined when there is none. Never follows a symlink. */
async function readRegularFile(file: string): Promise<string | undefined> {
  const stat = await fs.lstat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!stat) return undefined;
  if (!stat.isFile()) {
    throw new NotAllowedError(
      `Refusing to publish over ${file}: it is not a regular file`,
    );
  }
  return fs.readFile(file, 'utf8');
}
