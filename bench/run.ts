/**
 * `npm run bench -- NAME [--key value ...]`: runs one benchmark. Each brings up what it needs (the real
 * PBX and a Redis, unless ARI_URL / REDIS_URL are set) and prints its result as one line:
 * `BENCH {"name":"...", ...}`.
 */
const benches: Record<string, () => Promise<{ run(args: Record<string, string>): Promise<void> }>> = {
  'ari-core': () => import('./ari-core.js'),
  ivr: () => import('./ivr.js'),
  inbound: () => import('./inbound.js'),
  recording: () => import('./recording.js'),
  'lead-import': () => import('./lead-import.js'),
  'dialer-day': () => import('./dialer-day.js'),
  console: () => import('./console.js'),
  sip48: () => import('./sip48.js'),
  chaos: () => import('./chaos.js'),
  webrtc: () => import('./webrtc.js'),
  sms: () => import('./sms.js'),
};

function parseArgs(argv: string[]): Record<string, string> {
  const args: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 1) {
    const key = argv[i];
    if (!key?.startsWith('--')) continue;
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) args[key.slice(2)] = 'true';
    else {
      args[key.slice(2)] = value;
      i += 1;
    }
  }
  return args;
}

const [name, ...rest] = process.argv.slice(2);
const load = name ? benches[name] : undefined;
if (!load) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [--key value]\n`);
  process.exit(2);
}
load()
  .then((bench) => bench.run(parseArgs(rest)))
  .then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench ${name} failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
