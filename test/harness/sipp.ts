import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './tmp.js';

/**
 * SIPp (Debian's sip-tester) as a party on the test PBX: the carrier trunk or an agent phone, each run a
 * child process with its scenario XML written at test time to a temp dir. The parties' addresses are
 * those of test/pbx/pjsip_test.conf; the PBX listens on 127.0.0.1:5060.
 */
export const PBX_SIP = '127.0.0.1:5060';
/** The test carrier: identified by this address; its UAS listens on port 5060 (the trunk's contact). */
export const CARRIER_IP = '127.0.0.2';
export const CARRIER_UAS_PORT = 5060;
/** Agent phones: cc-test-phone-N has the static contact 127.0.0.3:(5070 + N). */
export const PHONE_IP = '127.0.0.3';
export const phone = (n: number) => ({ endpoint: `PJSIP/cc-test-phone-${n}`, port: 5070 + n });
/**
 * The sip48 benchmark's phones cc-test-phone-9..56: their contacts differ only in the user part, so one
 * SIPp UAS on BENCH_PHONE_IP:BENCH_PHONE_PORT answers for all 48.
 */
export const BENCH_PHONE_IP = '127.0.0.4';
export const BENCH_PHONE_PORT = 5060;
export const BENCH_PHONE_COUNT = 48;
export const benchPhoneEndpoint = (i: number) => `PJSIP/cc-test-phone-${9 + i}`;

export interface SippOptions {
  /** The scenario's XML (see the builders below). */
  scenario: string;
  /** Files the scenario refers to by name (pcaps), written beside it. */
  files?: Record<string, Buffer>;
  localIp: string;
  /** Default: a free UDP port on localIp. */
  localPort?: number;
  /** UAC: where to send (default the PBX). UAS: leave unset. */
  remote?: string;
  /** Calls to place (UAC) or take (UAS) before SIPp exits. Default 1. */
  calls?: number;
  /** UAC: calls placed per second (SIPp's default 10). */
  rate?: number;
  /** SIPp quits after this many seconds whatever happens (safety net). Default 120. */
  timeoutSec?: number;
}

export interface SippResult {
  /** SIPp's exit code: 0 every call succeeded, 1 some failed, 99 none was made; null if killed. */
  code: number | null;
  successful: number;
  failed: number;
}

export interface SipMessage {
  direction: 'sent' | 'received';
  text: string;
  /** First line: `INVITE sip:... SIP/2.0` or `SIP/2.0 200 OK`. */
  startLine: string;
  header(name: string): string | undefined;
}

export class Sipp {
  readonly localPort: number;
  readonly mediaPort: number;
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;
  private stderr = '';
  /** When SIPp exited (epoch ms), once it has. */
  exitedAt: number | undefined;

  private constructor(
    private readonly dir: string,
    child: ChildProcess,
    localPort: number,
    mediaPort: number,
  ) {
    this.child = child;
    this.localPort = localPort;
    this.mediaPort = mediaPort;
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.exited = once(child, 'exit').then(([code]) => {
      this.exitedAt = Date.now();
      return code as number | null;
    });
  }

  static async start(options: SippOptions): Promise<Sipp> {
    const dir = tempDir();
    writeFileSync(join(dir, 'scenario.xml'), options.scenario);
    for (const [name, data] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), data);
    const localPort = options.localPort ?? (await freeUdpPort(options.localIp));
    // SIPp opens the media port and the one 2 above it (video).
    const mediaPort = await freeUdpPort(options.localIp, 2);
    const args = [
      ...(options.remote ? [options.remote] : []),
      '-sf',
      'scenario.xml',
      '-i',
      options.localIp,
      '-p',
      String(localPort),
      '-mi',
      options.localIp,
      '-mp',
      String(mediaPort),
      '-m',
      String(options.calls ?? 1),
      ...(options.rate ? ['-r', String(options.rate)] : []),
      '-timeout',
      `${options.timeoutSec ?? 120}s`,
      '-nostdin',
      '-trace_msg',
      '-message_file',
      'messages.log',
      '-trace_stat',
      '-stf',
      'stats.csv',
      // Counters written every second, so a test can watch them while SIPp runs.
      '-fd',
      '1',
      '-trace_err',
      '-error_file',
      'errors.log',
    ];
    const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    const sipp = new Sipp(dir, child, localPort, mediaPort);
    // A scenario SIPp refuses, or a port it cannot bind, ends it at once.
    const early = await Promise.race([sipp.exited, new Promise((r) => setTimeout(() => r('running'), 300))]);
    if (early !== 'running') throw new Error(`sipp exited at start (${early}): ${sipp.diagnostics()}`);
    return sipp;
  }

  /** SIPp has not exited yet (its calls may still be up). */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits for SIPp to finish its calls. */
  async done(timeoutMs = 60_000): Promise<SippResult> {
    const code = await Promise.race([
      this.exited,
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`sipp still running after ${timeoutMs} ms: ${this.diagnostics()}`)),
          timeoutMs,
        ),
      ),
    ]);
    return { code, ...this.stats() };
  }

  /** Ends SIPp (its calls with it) and reaps the process; safe to call twice. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const killed = setTimeout(() => this.child.kill('SIGKILL'), 3_000);
    await this.exited;
    clearTimeout(killed);
  }

  /** The SIP messages SIPp sent and received so far (from its -trace_msg file). */
  messages(): SipMessage[] {
    const file = join(this.dir, 'messages.log');
    if (!existsSync(file)) return [];
    const out: SipMessage[] = [];
    // Each entry: a dashed line with a timestamp, "UDP message received|sent [n] bytes :", a blank line.
    for (const chunk of readFileSync(file, 'utf8').split(/^-{5,}.*$/m)) {
      const m = /^\s*\w+ message (received|sent)[^\n]*\n\s*\n([\s\S]*)$/.exec(chunk);
      if (!m) continue;
      const text = m[2]!.trim();
      out.push({
        direction: m[1] as 'sent' | 'received',
        text,
        startLine: text.split(/\r?\n/)[0]!,
        header: (n) => header(text, n),
      });
    }
    return out;
  }

  /** The first received request with this method (e.g. the INVITE the carrier got). */
  received(method: string): SipMessage | undefined {
    return this.messages().find((m) => m.direction === 'received' && m.startLine.startsWith(`${method} `));
  }

  /** The stats file's last line: SIPp's cumulative counters. */
  stats(): Omit<SippResult, 'code'> {
    const file = join(this.dir, 'stats.csv');
    if (!existsSync(file)) return { successful: 0, failed: 0 };
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const names = lines[0]!.split(';');
    const last = lines[lines.length - 1]!.split(';');
    const value = (name: string) => Number(last[names.indexOf(name)] ?? 0);
    return { successful: value('SuccessfulCall(C)'), failed: value('FailedCall(C)') };
  }

  /** What to print when a run goes wrong: SIPp's stderr and its unexpected messages. */
  diagnostics(): string {
    const errors = join(this.dir, 'errors.log');
    return `${this.stderr.trim()}\n${existsSync(errors) ? readFileSync(errors, 'utf8').slice(-3000) : ''}`.trim();
  }
}

/** Runs `body` with the SIPp parties started, stopping every one of them afterwards. */
export async function withSipp<T>(options: SippOptions[], body: (parties: Sipp[]) => Promise<T>): Promise<T> {
  const parties: Sipp[] = [];
  try {
    for (const o of options) parties.push(await Sipp.start(o));
    return await body(parties);
  } finally {
    await Promise.all(parties.map((p) => p.stop()));
  }
}

function header(text: string, name: string): string | undefined {
  const re = new RegExp(`^${name}\\s*:\\s*(.*)$`, 'im');
  return re.exec(text)?.[1]?.trim();
}

/** A UDP port free on `ip` (and, with `alsoPlus`, the port that many above it). */
export async function freeUdpPort(ip: string, alsoPlus = 0): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const socket = createSocket('udp4');
    socket.bind(0, ip);
    await once(socket, 'listening');
    const port = socket.address().port;
    socket.close();
    if (port % 2 === 1 || port + alsoPlus > 65535) continue;
    if (alsoPlus === 0 || (await udpPortFree(ip, port + alsoPlus))) return port;
  }
  throw new Error(`no free UDP port on ${ip}`);
}

async function udpPortFree(ip: string, port: number): Promise<boolean> {
  const socket = createSocket('udp4');
  try {
    socket.bind(port, ip);
    await once(socket, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    socket.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// Scenarios. SIPp fills the [bracketed] keywords; the rest is the test's.

const SDP = `v=0
o=- 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=sendrecv`;

const cdata = (text: string) => `<![CDATA[\n${text}\n]]>`;
const playPcap = (file: string) => `<nop><action><exec play_pcap_audio="${file}"/></action></nop>`;

/**
 * The carrier places one call into the PBX: INVITE to `dnis` from `from` (the caller's number as the
 * carrier sends it), optional extra headers (P-Asserted-Identity, Privacy, X-CC-App), plays `pcap` once
 * answered, then hangs up after `talkMs` — or, with `talkMs` unset, waits for the PBX's BYE.
 */
export function callerScenario(opts: {
  dnis: string;
  from: string;
  headers?: Record<string, string>;
  pcap: string;
  talkMs?: number;
}): string {
  const extra = Object.entries(opts.headers ?? {})
    .map(([k, v]) => `${k}: ${v}\n`)
    .join('');
  const invite = `INVITE sip:${opts.dnis}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: ${opts.from};tag=[pid]SIPpTag00[call_number]
To: <sip:${opts.dnis}@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:carrier@[local_ip]:[local_port]>
Max-Forwards: 70
${extra}Content-Type: application/sdp
Content-Length: [len]

${SDP}`;
  const ack = `ACK sip:${opts.dnis}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[last_From:]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: <sip:carrier@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0
`;
  const ending =
    opts.talkMs === undefined
      ? farEndHangsUp
      : `<pause milliseconds="${opts.talkMs}"/>
  <send retrans="500">${cdata(`BYE sip:${opts.dnis}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[last_From:]
[last_To:]
Call-ID: [call_id]
CSeq: 2 BYE
Contact: <sip:carrier@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0
`)}</send>
  <recv response="200" crlf="true"/>`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="caller">
  <send retrans="500">${cdata(invite)}</send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200"/>
  <send>${cdata(ack)}</send>
  ${playPcap(opts.pcap)}
  ${ending}
</scenario>`;
}

const farEndHangsUp = `<recv request="BYE"/>
  <send>${cdata(`SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
`)}</send>`;

/** How a called party (the carrier's customer, an agent phone) answers an INVITE from the PBX. */
export type Answer =
  /** Rings `ringMs`, answers, plays `pcap`; hangs up after `talkMs` or waits for the PBX's BYE. */
  | { kind: 'answer'; pcap: string; ringMs?: number; talkMs?: number }
  | { kind: 'busy' } // 486
  | { kind: 'unavailable' } // 503
  /** Rings until the PBX gives up (CANCEL). */
  | { kind: 'no-answer' };

/** A party that takes `calls` INVITEs (set SippOptions.calls too) and answers each as `answer` says. */
export function calleeScenario(answer: Answer): string {
  const reply = (status: string, sdp = false) =>
    cdata(`SIP/2.0 ${status}
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:party@[local_ip]:[local_port];transport=[transport]>
${sdp ? `Content-Type: application/sdp\nContent-Length: [len]\n\n${SDP}` : 'Content-Length: 0\n'}`);
  // A party that hangs up itself turns the INVITE's From and To into its BYE's To and From, and sends
  // the BYE to its Contact (SIPp refuses variables a scenario does not use, hence only then).
  const hangsUp = answer.kind === 'answer' && answer.talkMs !== undefined;
  const steps: string[] = [
    hangsUp
      ? `<recv request="INVITE" crlf="true" rrs="true"><action>
    <ereg regexp=".*" search_in="hdr" header="From:" check_it="true" assign_to="remote_party"/>
    <ereg regexp=".*" search_in="hdr" header="To:" check_it="true" assign_to="local_party"/>
  </action></recv>`
      : `<recv request="INVITE" crlf="true"/>`,
  ];
  switch (answer.kind) {
    case 'busy':
      steps.push(`<send>${reply('486 Busy Here')}</send>`, `<recv request="ACK"/>`);
      break;
    case 'unavailable':
      steps.push(`<send>${reply('503 Service Unavailable')}</send>`, `<recv request="ACK"/>`);
      break;
    case 'no-answer':
      steps.push(
        `<send>${reply('180 Ringing')}</send>`,
        `<recv request="CANCEL"/>`,
        `<send>${cdata(`SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
`)}</send>`,
        // The 487 answers the INVITE: its CSeq, not the CANCEL's (same number, other method).
        `<send>${reply('487 Request Terminated').replace('[last_CSeq:]', 'CSeq: [last_cseq_number] INVITE')}</send>`,
        `<recv request="ACK"/>`,
      );
      break;
    case 'answer':
      steps.push(`<send>${reply('180 Ringing')}</send>`);
      if (answer.ringMs) steps.push(`<pause milliseconds="${answer.ringMs}"/>`);
      steps.push(
        `<send retrans="500">${reply('200 OK', true)}</send>`,
        `<recv request="ACK"/>`,
        playPcap(answer.pcap),
      );
      if (answer.talkMs === undefined) steps.push(farEndHangsUp);
      else
        steps.push(
          `<pause milliseconds="${answer.talkMs}"/>`,
          `<send retrans="500">${cdata(`BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: [$local_party];tag=[pid]SIPpTag01[call_number]
To: [$remote_party]
[routes]
Call-ID: [call_id]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0
`)}</send>`,
          `<recv response="200" crlf="true"/>`,
        );
      break;
  }
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="callee">
  ${steps.join('\n  ')}
</scenario>`;
}
