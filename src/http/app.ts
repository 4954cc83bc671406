import express, { type Express } from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Services } from '../services';
import { errorHandler, notFound } from './errorHandler';
import { Metrics } from './metrics';
import { requestContext } from './requestContext';
import { metricsAuth } from './metricsAuth';
import { batchRoutes } from './routes/batchRoutes';
import { certificateRoutes } from './routes/certificateRoutes';
import { directoryRoutes } from './routes/directoryRoutes';
import { holderRoutes } from './routes/holderRoutes';
import { annotationRoutes } from './routes/annotationRoutes';
import { pageRoutes } from './routes/pageRoutes';
import { publicRoutes } from './routes/publicRoutes';
import { pkiRoutes } from './routes/pkiRoutes';
import { verifyRoutes } from './routes/verifyRoutes';

/**
 * The Express app: routes are thin; everything they call is in src/issue and src/verify.
 * `metrics` may also count what runs beside the app in the process (the service's batch
 * workers, src/cli/serveCommand.ts).
 */
export function createApp(s: Services, metrics = new Metrics()): Express {
  const app = express();
  app.disable('x-powered-by');
  // answers are small and mostly no-store; hashing every body for an ETag cost a third of the token path
  app.disable('etag');
  app.set('trust proxy', s.config.trustProxy);
  app.use(
    requestContext(s.logger, (req, status, seconds) => {
      const route = req.route?.path ? String(req.route.path) : 'unmatched';
      metrics.requests.inc({ method: req.method, route, status: String(status) });
      metrics.latency.observe({ method: req.method, route }, seconds);
    }),
  );
  app.use((_req, res, next) => {
    res.set({ 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY' });
    next();
  });
  if (s.config.metricsToken) app.get('/metrics', metricsAuth(s.config.metricsToken), async (_req, res) => {
    res.type(metrics.registry.contentType).set('Cache-Control', 'no-store').send(await metrics.registry.metrics());
  });
  app.use(publicRoutes(s));
  app.use(pkiRoutes(s)); // issue 14: the development CA's CRL and OCSP responder
  app.use(directoryRoutes());
  app.use(verifyRoutes(s, (kind, report) => metrics.verifications.inc({ kind, indication: report.indication, sub_indication: report.subIndication ?? '' })));
  app.use(holderRoutes(s));
  app.use(annotationRoutes(s)); // issue 15
  app.use(certificateRoutes(s, (qualification) => metrics.issuances.inc({ qualification })));
  app.use(batchRoutes(s));
  app.use(pageRoutes(s));
  app.use(notFound);
  app.use(errorHandler);
  return app;
}

export interface RunningServer {
  server: Server;
  url: string;
  metrics: Metrics;
  close(): Promise<void>;
}

/** Listen on `port` (0 = any free port) with time limits against slow clients. */
export async function startServer(s: Services, port: number, host = s.config.host, limits = { requestTimeoutMs: 60_000, headersTimeoutMs: 15_000 }): Promise<RunningServer> {
  const metrics = new Metrics();
  const app = createApp(s, metrics);
  // requestTimeout covers a whole request including a slow upload; the check runs every second
  const server = createServer(
    { requestTimeout: limits.requestTimeoutMs, headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs), connectionsCheckingInterval: 1000 },
    app,
  );
  server.listen(port, host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  server.keepAliveTimeout = 5_000;
  const { port: actual } = server.address() as AddressInfo;
  const url = `http://localhost:${actual}`;
  return {
    server,
    url,
    metrics,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
