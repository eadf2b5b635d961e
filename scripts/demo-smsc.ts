/**
 * The demo's SMS provider: a local SMSC (the test suite's, test/harness/smsc.ts) on 127.0.0.1:2775 that
 * accepts every message, sends its delivery receipt a moment later, and prints one line per message.
 * A customer's reply is simulated by typing `<number> <text>` on its standard input (or, with
 * scripts/demo.sh, into .data/demo-smsc.in), e.g. `+8613800138000 TD` — an opt-out.
 */
import { createInterface } from 'node:readline';
import { LocalSmsc } from '../test/harness/smsc.js';

const port = Number(process.env.DEMO_SMSC_PORT ?? 2775);
const smsc = new LocalSmsc();
const url = await smsc.listen(port);
const answer = smsc.answer;
smsc.answer = (destination, count) => {
  // The demo prints the number's last 4 digits only, like the service's own logs.
  process.stdout.write(`demo SMSC: message to ****${destination.slice(-4)} accepted, receipt follows\n`);
  return answer(destination, count);
};
process.stdout.write(`demo SMSC listening on ${url}; type "<number> <text>" to send a customer's reply\n`);
createInterface({ input: process.stdin }).on('line', (line) => {
  const match = /^\s*(\+?\d{5,20})\s+(.+)$/.exec(line);
  if (!match) return void process.stdout.write('demo SMSC: expected "<number> <text>"\n');
  smsc.reply(match[1] as string, (match[2] as string).trim());
  process.stdout.write(`demo SMSC: reply from ****${(match[1] as string).slice(-4)} sent\n`);
});
const stop = () => void smsc.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
