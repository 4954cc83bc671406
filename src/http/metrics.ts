import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one app instance (GET /metrics, text exposition format 0.0.4). */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'ecert_http_requests_total', help: 'HTTP requests', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
  readonly latency = new Histogram({
    name: 'ecert_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly issuances = new Counter({ name: 'ecert_issuances_total', help: 'Certificates issued', labelNames: ['qualification'], registers: [this.registry] });
  readonly batchRows = new Counter({ name: 'ecert_batch_rows_total', help: "Batch rows finished by this instance's background workers, by outcome (issued, failed, retry)", labelNames: ['outcome'], registers: [this.registry] });
  readonly verifications = new Counter({ name: 'ecert_verifications_total', help: 'Verifications by kind and verdict', labelNames: ['kind', 'indication', 'sub_indication'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'ecert_' });
  }
}
