/**
 * Demo data for `scripts/demo.sh`, written to the store before the service starts; each item is added
 * only if it is missing, so running the demo again changes nothing. Agents' phones and the campaign's
 * customers are simulated inside the PBX ([sim] and [sim-customers] in config/asterisk/extensions.conf),
 * so the whole preview cycle can be watched without a phone or a trunk.
 */
import pino from 'pino';
import { loadConfig } from '../src/config/load.js';
import { CampaignBook } from '../src/dialer/campaigns.js';
import { openStore } from '../src/store/index.js';

const config = loadConfig();
const store = openStore(config.store.path);
const log = pino({ level: 'silent' });
const done: string[] = [];

for (const team of [
  { id: 'demo-team', name: 'Demo team' },
  { id: 'demo-web', name: 'Demo team (browser phones)' },
]) {
  if (store.teams.get(team.id)) continue;
  store.teams.create(team);
  done.push(`team ${team.id}`);
}
/**
 * Seats: hotline1, agent1 and agent2 work on a simulated phone that answers at once and stays on the line
 * (their persistent line); agent3's line is the browser itself (the web application's softphone).
 */
const seats = [
  { id: 'hotline1', inboundRole: 'primary' as const, teamId: null, browser: false },
  { id: 'agent1', inboundRole: 'overflow' as const, teamId: 'demo-team', browser: false },
  { id: 'agent2', inboundRole: 'none' as const, teamId: 'demo-team', browser: false },
  { id: 'agent3', inboundRole: 'none' as const, teamId: 'demo-web', browser: true },
];
for (const seat of seats) {
  if (store.agents.get(seat.id)) continue;
  store.agents.create({
    id: seat.id,
    name: `Demo ${seat.id}`,
    teamId: seat.teamId,
    role: 'agent',
    ...(seat.browser
      ? { lineKind: 'webrtc' as const }
      : { lineKind: 'sip' as const, endpoint: 'Local/answer@sim' }),
    lineMode: 'persistent',
    inboundRole: seat.inboundRole,
  });
  done.push(`agent ${seat.id}${seat.browser ? ' (browser phone)' : ''}`);
}

const campaigns = new CampaignBook(store, log, Date.now);
/** An active campaign of the team's, open every day all day, with simulated customers as leads. */
function demoCampaign(id: string, name: string, team: string, phones: string[]): void {
  if (campaigns.get(id)) return;
  campaigns.create(
    {
      id,
      name,
      settings: {
        callerId: '+493011112222',
        teams: [team],
        window: {
          timezone: 'Europe/Berlin',
          hours: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '00:00' }],
          holidays: [],
        },
        pacing: {
          maxConcurrent: 10,
          maxPerAgentHour: 60,
          dailyCap: 1000,
          previewSec: 60,
          onPreviewTimeout: 'skip',
          noAnswerSec: 10,
        },
      },
    },
    'demo',
  );
  campaigns.setState(id, 'active', 'demo');
  store.leads.insertMany(
    phones.map((phone, i) => ({
      id: `${id}-lead-${i + 1}`,
      campaignId: id,
      importId: null,
      phone,
      name: `Demo customer ${i + 1}`,
      fields: { product: i % 2 ? 'mobile' : 'broadband' },
      createdAt: Date.now(),
    })),
  );
  done.push(`campaign ${id} (active) with ${phones.length} simulated customers`);
}
// Customers: talk 9.9 s then hang up, ring for ever, busy, answer after 3 s and stay, talk 2 s.
demoCampaign('demo', 'Demo campaign', 'demo-team', [
  '+493020990001',
  '+493022000002',
  '+493021000003',
  '+493024030004',
  '+493020200005',
]);
// Customers who talk back: they greet, then echo what the agent says ([sim-customers] 25....).
demoCampaign(
  'demo-web',
  'Demo campaign (browser phone)',
  'demo-web',
  Array.from({ length: 10 }, (_, i) => `+4930250000${String(i + 1).padStart(2, '0')}`),
);
store.close();
process.stdout.write(done.length ? `demo data added: ${done.join(', ')}\n` : 'demo data already there\n');
