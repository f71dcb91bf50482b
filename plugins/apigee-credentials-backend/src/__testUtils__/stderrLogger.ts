import { LoggerService } from '@backstage/backend-plugin-api';

/**
 * A logger for worker processes that writes one JSON line per message to stderr, so the
 * parent can collect every line and scan it for leaked secret values.
 */
export function stderrLogger(
  meta: Record<string, unknown> = {},
): LoggerService {
  const write = (level: string) => (message: string, extra?: unknown) => {
    process.stderr.write(
      `${JSON.stringify({
        level,
        message,
        ...meta,
        extra:
          extra instanceof Error ? `${extra.name}: ${extra.message}` : extra,
      })}\n`,
    );
  };
  return {
    error: write('error'),
    warn: write('warn'),
    info: write('info'),
    debug: write('debug'),
    child: childMeta => stderrLogger({ ...meta, ...childMeta }),
  };
}
