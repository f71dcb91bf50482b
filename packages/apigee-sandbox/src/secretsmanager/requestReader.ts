import { SecretsManagerError } from './errors';
import { Filter, Tag } from './types';

interface StringRules {
  required?: boolean;
  min?: number;
  max?: number;
  /** Leave the value out of error messages (secret values). */
  sensitive?: boolean;
}

/**
 * Reads the members of a JSON request body. A member of the wrong JSON type is a
 * `SerializationException`, as with AWS; constraint violations are collected and thrown
 * together as one `ValidationException` in AWS's "N validation errors detected" format.
 * JSON `null` counts as absent.
 */
export class RequestReader {
  readonly #body: Record<string, unknown>;
  readonly #violations: string[] = [];

  constructor(body: Record<string, unknown>) {
    this.#body = body;
  }

  /** Whether the member is present (and not null). */
  has(name: string): boolean {
    return this.#body[name] !== undefined && this.#body[name] !== null;
  }

  string(name: string, rules: StringRules & { required: true }): string;
  string(name: string, rules?: StringRules): string | undefined;
  string(name: string, rules: StringRules = {}): string | undefined {
    const value = this.#member(name, 'string', rules.required);
    if (typeof value !== 'string') return undefined;
    this.#checkLength(name, value, value.length, rules);
    return value;
  }

  boolean(name: string): boolean | undefined {
    const value = this.#member(name, 'boolean');
    return typeof value === 'boolean' ? value : undefined;
  }

  integer(
    name: string,
    range: { min: number; max: number },
  ): number | undefined {
    const value = this.#member(name, 'number');
    if (typeof value !== 'number') return undefined;
    if (!Number.isInteger(value)) this.#serialization(name, 'an integer');
    if (value < range.min) {
      this.#violate(
        name,
        value,
        `Member must have value greater than or equal to ${range.min}`,
      );
    } else if (value > range.max) {
      this.#violate(
        name,
        value,
        `Member must have value less than or equal to ${range.max}`,
      );
    }
    return value;
  }

  /** A base64 blob (SecretBinary); kept as the base64 text. */
  blob(name: string): string | undefined {
    const value = this.#member(name, 'string');
    if (typeof value !== 'string') return undefined;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) {
      this.#serialization(name, 'base64 data');
    }
    const bytes = Buffer.from(value, 'base64').length;
    this.#checkLength(name, value, bytes, {
      min: 1,
      max: 65536,
      sensitive: true,
    });
    return value;
  }

  stringList(
    name: string,
    rules: {
      required?: boolean;
      min?: number;
      max?: number;
      item?: StringRules;
    } = {},
  ): string[] | undefined {
    const value = this.#member(name, 'array', rules.required);
    if (!Array.isArray(value)) return undefined;
    value.forEach((item, i) => {
      if (typeof item !== 'string')
        this.#serialization(`${name}.${i + 1}`, 'a string');
      this.#checkLength(
        `${name}.${i + 1}`,
        item,
        item.length,
        rules.item ?? {},
      );
    });
    this.#checkLength(name, undefined, value.length, {
      min: rules.min,
      max: rules.max,
    });
    return value as string[];
  }

  tags(name: string, rules: { required?: boolean } = {}): Tag[] | undefined {
    const value = this.#member(name, 'array', rules.required);
    if (!Array.isArray(value)) return undefined;
    return value.map((item, i) => {
      const path = `${name}.${i + 1}`;
      const tag = this.#object(path, item);
      const key = tag.Key;
      const val = tag.Value ?? '';
      if (typeof key !== 'string') {
        if (key === undefined || key === null)
          this.#violate(`${path}.Key`, null, 'Member must not be null');
        else this.#serialization(`${path}.Key`, 'a string');
      } else {
        this.#checkLength(`${path}.Key`, key, key.length, { min: 1, max: 128 });
      }
      if (typeof val !== 'string')
        this.#serialization(`${path}.Value`, 'a string');
      else this.#checkLength(`${path}.Value`, val, val.length, { max: 256 });
      return { Key: String(key ?? ''), Value: String(val) };
    });
  }

  filters(name: string, allowedKeys: readonly string[]): Filter[] | undefined {
    const value = this.#member(name, 'array');
    if (!Array.isArray(value)) return undefined;
    return value.map((item, i) => {
      const path = `${name}.${i + 1}`;
      const filter = this.#object(path, item);
      const key = filter.Key;
      if (typeof key !== 'string' || !allowedKeys.includes(key)) {
        this.#violate(
          `${path}.Key`,
          key ?? null,
          `Member must satisfy enum value set: [${allowedKeys.join(', ')}]`,
        );
      }
      const values = new RequestReader(filter).stringList('Values', {
        min: 1,
        max: 10,
        item: { max: 512 },
      });
      return { Key: String(key), Values: values ?? [] };
    });
  }

  enumeration<T extends string>(
    name: string,
    allowed: readonly T[],
  ): T | undefined {
    const value = this.string(name);
    if (value !== undefined && !allowed.includes(value as T)) {
      this.#violate(
        name,
        value,
        `Member must satisfy enum value set: [${allowed.join(', ')}]`,
      );
    }
    return value as T | undefined;
  }

  /** Throws the collected constraint violations, if any. */
  done(): void {
    const n = this.#violations.length;
    if (n === 0) return;
    throw new SecretsManagerError(
      'ValidationException',
      `${n} validation error${
        n > 1 ? 's' : ''
      } detected: ${this.#violations.join('; ')}`,
    );
  }

  #member(
    name: string,
    type: 'string' | 'boolean' | 'number' | 'array',
    required = false,
  ): unknown {
    const value = this.#body[name];
    if (value === undefined || value === null) {
      if (required) this.#violate(name, null, 'Member must not be null');
      return undefined;
    }
    const actual = Array.isArray(value) ? 'array' : typeof value;
    if (actual !== type)
      this.#serialization(name, type === 'array' ? 'a list' : `a ${type}`);
    return value;
  }

  #object(path: string, item: unknown): Record<string, unknown> {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      this.#serialization(path, 'an object');
    }
    return item as Record<string, unknown>;
  }

  #checkLength(
    name: string,
    value: unknown,
    length: number,
    rules: { min?: number; max?: number; sensitive?: boolean },
  ): void {
    const shown = rules.sensitive ? '***' : value;
    if (rules.min !== undefined && length < rules.min) {
      this.#violate(
        name,
        shown,
        `Member must have length greater than or equal to ${rules.min}`,
      );
    } else if (rules.max !== undefined && length > rules.max) {
      this.#violate(
        name,
        shown,
        `Member must have length less than or equal to ${rules.max}`,
      );
    }
  }

  #violate(name: string, value: unknown, constraint: string): void {
    let shown = '';
    if (value === null) shown = 'null ';
    else if (value !== undefined) {
      shown = `'${typeof value === 'string' ? value : JSON.stringify(value)}' `;
    }
    this.#violations.push(
      `Value ${shown}at '${memberPath(
        name,
      )}' failed to satisfy constraint: ${constraint}`,
    );
  }

  #serialization(name: string, expected: string): never {
    throw new SecretsManagerError(
      'SerializationException',
      `Expected ${expected} for member '${name}'.`,
    );
  }
}

/** AWS names members in lower camel case in validation messages (`secretId`). */
function memberPath(name: string): string {
  return name
    .split('.')
    .map(part =>
      /^\d+$/.test(part) ? part : part[0].toLowerCase() + part.slice(1),
    )
    .join('.');
}
