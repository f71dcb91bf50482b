import { LoggerService } from '@backstage/backend-plugin-api';

/** A logger that keeps every line (message, metadata and error) for later scanning. */
export class CapturingLogger implements LoggerService {
  constructor(
    readonly lines: string[] = [],
    private readonly meta: Record<string, unknown> = {},
    private readonly echo = process.env.APIGEE_CREDENTIALS_TEST_LOGS === '1',
  ) {}

  #log(level: string, message: string, meta?: Error | Record<string, unknown>) {
    let extra = '';
    if (meta instanceof Error)
      extra = `${meta.name}: ${meta.message} ${meta.stack ?? ''}`;
    else if (meta) extra = JSON.stringify(meta);
    const line = `${level} ${message} ${JSON.stringify(this.meta)} ${extra}`;
    this.lines.push(line);
    // eslint-disable-next-line no-console
    if (this.echo) console.log(line);
  }

  error(message: string, meta?: Error | Record<string, unknown>): void {
    this.#log('error', message, meta);
  }
  warn(message: string, meta?: Error | Record<string, unknown>): void {
    this.#log('warn', message, meta);
  }
  info(message: string, meta?: Error | Record<string, unknown>): void {
    this.#log('info', message, meta);
  }
  debug(message: string, meta?: Error | Record<string, unknown>): void {
    this.#log('debug', message, meta);
  }
  child(meta: Record<string, unknown>): LoggerService {
    return new CapturingLogger(
      this.lines,
      { ...this.meta, ...meta },
      this.echo,
    );
  }
}
