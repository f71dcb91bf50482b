import { LoggerService } from '@backstage/backend-plugin-api';
import express from 'express';
import Router from 'express-promise-router';

/** Options of {@link createRouter}. */
export interface RouterOptions {
  logger: LoggerService;
}

/** The plugin's HTTP API, mounted by the backend under `/api/apigee-credentials`. */
export async function createRouter(
  _options: RouterOptions,
): Promise<express.Router> {
  const router = Router();
  router.use(express.json({ limit: '64kb' }));

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  return router;
}
