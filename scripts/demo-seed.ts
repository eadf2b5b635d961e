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

if (!store.teams.get('demo-team')) {
  store.teams.create({ id: 'demo-team', name: 'Demo team' });
  done.push('team demo-team');
}
const seats = [
  { id: 'hotline1', inboundRole: 'primary' as const, teamId: null },
  { id: 'agent1', inboundRole: 'overflow' as const, teamId: 'demo-team' },
  { id: 'agent2', inboundRole: 'none' as const, teamId: 'demo-team' },
];
for (const seat of seats) {
  if (store.agents.get(seat.id)) continue;
  store.agents.create({
    id: seat.id,
    name: `Demo ${seat.id}`,
    teamId: seat.teamId,
    role: 'agent',
    // A simulated phone that answers at once and stays on the line: the agent's persistent line.
    endpoint: 'Local/answer@sim',
    lineMode: 'persistent',
    inboundRole: seat.inboundRole,
  });
  done.push(`agent ${seat.id}`);
}

const campaigns = new CampaignBook(store, log, Date.now);
if (!campaigns.get('demo')) {
  campaigns.create(
    {
      id: 'demo',
      name: 'Demo campaign',
      settings: {
        callerId: '+493011112222',
        teams: ['demo-team'],
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
  campaigns.setState('demo', 'active', 'demo');
  // Customers: talk 9.9 s then hang up, ring for ever, busy, answer after 3 s and stay, talk 2 s.
  const phones = ['+493020990001', '+493022000002', '+493021000003', '+493024030004', '+493020200005'];
  store.leads.insertMany(
    phones.map((phone, i) => ({
      id: `demo-lead-${i + 1}`,
      campaignId: 'demo',
      importId: null,
      phone,
      name: `Demo customer ${i + 1}`,
      fields: { product: i % 2 ? 'mobile' : 'broadband' },
      createdAt: Date.now(),
    })),
  );
  done.push('campaign demo (active) with 5 simulated customers');
}
store.close();
process.stdout.write(done.length ? `demo data added: ${done.join(', ')}\n` : 'demo data already there\n');
