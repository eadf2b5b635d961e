// Health check of the service container (Dockerfile HEALTHCHECK, docker-compose.yml): exits 0 when
// GET /healthz answers 200, else 1. /healthz is live as soon as the service listens, before Asterisk
// is reached, and a standby instance answers it too. Same host and port as the service: API_HOST /
// API_PORT when set (a config file that changes api.* needs them set as well), else 127.0.0.1:3000.
const host = process.env.API_HOST;
const target = !host || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
const port = process.env.API_PORT || '3000';
try {
  const res = await fetch(`http://${target}:${port}/healthz`, { signal: AbortSignal.timeout(2500) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
