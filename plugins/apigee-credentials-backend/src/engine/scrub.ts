import { fingerprint } from '@keyrotation/backstage-plugin-apigee-credentials-node';

/**
 * Remembers the key material a rotation step holds in memory and replaces it with its
 * fingerprint in any text that leaves the step (error messages, log lines, rows). Providers
 * already keep key material out of their messages; this is the second line of defence.
 */
export class SecretScrubber {
  readonly #values = new Set<string>();

  /** Registers values to hide; empty and very short values are ignored. */
  add(...values: Array<string | undefined>): this {
    for (const value of values) {
      if (value && value.length >= 8) this.#values.add(value);
    }
    return this;
  }

  scrub(text: string): string {
    let result = text;
    // Longest first, so a value that contains another is replaced whole.
    const values = [...this.#values].sort((a, b) => b.length - a.length);
    for (const value of values) {
      if (result.includes(value)) {
        result = result.split(value).join(`[redacted ${fingerprint(value)}]`);
      }
    }
    return result;
  }

  /** A scrubbed one-line description of an error: `Name: message`. */
  describe(error: unknown): string {
    return this.scrub(describeError(error));
  }
}

/** `Name: message` of an error, or its string form; never its stack or request details. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const name = error.name && error.name !== 'Error' ? `${error.name}: ` : '';
    return `${name}${error.message}`;
  }
  return String(error);
}
