/**
 * G.711 u-law RTP streams written as pcap files for SIPp's `play_pcap_audio`. SIPp replays the packets
 * as they are (only addresses and ports change), so the sequence numbers and timestamps here are what
 * the PBX sees: they run on for the whole stream. (Looping SIPp's 7 s sample repeats sequence numbers,
 * which Asterisk drops as duplicates.) DTMF is RFC 4733 in the same stream: same SSRC, continuous
 * sequence numbers, the audio's clock.
 */

export type RtpSegment =
  /** A sine tone (`hz`; 0 = silence) for `ms` milliseconds. */
  | { tone: number; ms: number }
  /** An RFC 4733 telephone-event for `ms` milliseconds (then 3 end packets). */
  | { digit: string; ms: number };

const PACKET_MS = 20;
const SAMPLES = 160; // 20 ms at 8 kHz
const PCMU = 0;
export const TELEPHONE_EVENT_PT = 101;
const SOURCE = [10, 0, 0, 1];
const DESTINATION = [10, 0, 0, 2];
const PORT = 6000;

/** One pcap file (Ethernet / IPv4 / UDP / RTP) of the segments, in order. */
export function rtpPcap(segments: RtpSegment[], options: { ssrc?: number; amplitude?: number } = {}): Buffer {
  const ssrc = options.ssrc ?? Math.floor(Math.random() * 0xffffffff);
  const amplitude = options.amplitude ?? 0.3;
  const packets: Buffer[] = [];
  let seq = Math.floor(Math.random() * 0x8000);
  let timestamp = Math.floor(Math.random() * 0x7fffffff);
  let atMs = 0;
  let phase = 0;
  const push = (pt: number, marker: boolean, ts: number, payload: Buffer) => {
    packets.push(record(atMs, rtp(pt, marker, seq & 0xffff, ts >>> 0, ssrc, payload)));
    seq++;
  };
  for (const segment of segments) {
    const count = Math.max(1, Math.round(segment.ms / PACKET_MS));
    if ('tone' in segment) {
      for (let i = 0; i < count; i++) {
        const payload = Buffer.alloc(SAMPLES);
        for (let s = 0; s < SAMPLES; s++) {
          payload[s] = ulaw(amplitude * Math.sin(phase));
          phase += (2 * Math.PI * segment.tone) / 8000;
        }
        push(PCMU, false, timestamp, payload);
        timestamp += SAMPLES;
        atMs += PACKET_MS;
      }
    } else {
      const event = dtmfEvent(segment.digit);
      // One event: the same RTP timestamp (its start), a growing duration, the end flag sent 3 times.
      for (let i = 1; i <= count; i++) {
        push(TELEPHONE_EVENT_PT, i === 1, timestamp, eventPayload(event, false, i * SAMPLES));
        atMs += PACKET_MS;
      }
      for (let i = 0; i < 3; i++)
        push(TELEPHONE_EVENT_PT, false, timestamp, eventPayload(event, true, count * SAMPLES));
      timestamp += count * SAMPLES;
    }
  }
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20); // Ethernet
  return Buffer.concat([header, ...packets]);
}

function rtp(pt: number, marker: boolean, seq: number, ts: number, ssrc: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head[0] = 0x80;
  head[1] = (marker ? 0x80 : 0) | pt;
  head.writeUInt16BE(seq, 2);
  head.writeUInt32BE(ts, 4);
  head.writeUInt32BE(ssrc >>> 0, 8);
  return Buffer.concat([head, payload]);
}

function record(atMs: number, rtpPacket: Buffer): Buffer {
  const udpLength = 8 + rtpPacket.length;
  const ipLength = 20 + udpLength;
  const frame = Buffer.alloc(14 + ipLength);
  frame.writeUInt16BE(0x0800, 12);
  const ip = frame.subarray(14, 34);
  ip[0] = 0x45;
  ip.writeUInt16BE(ipLength, 2);
  ip[8] = 64;
  ip[9] = 17; // UDP
  Buffer.from(SOURCE).copy(ip, 12);
  Buffer.from(DESTINATION).copy(ip, 16);
  ip.writeUInt16BE(checksum(ip), 10);
  frame.writeUInt16BE(PORT, 34);
  frame.writeUInt16BE(PORT, 36);
  frame.writeUInt16BE(udpLength, 38);
  rtpPacket.copy(frame, 42);
  const head = Buffer.alloc(16);
  head.writeUInt32LE(Math.floor(atMs / 1000), 0);
  head.writeUInt32LE((atMs % 1000) * 1000, 4);
  head.writeUInt32LE(frame.length, 8);
  head.writeUInt32LE(frame.length, 12);
  return Buffer.concat([head, frame]);
}

function checksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < header.length; i += 2) sum += header.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function dtmfEvent(digit: string): number {
  const index = '0123456789*#ABCD'.indexOf(digit.toUpperCase());
  if (digit.length !== 1 || index < 0) throw new Error(`not a DTMF digit: ${digit}`);
  return index;
}

function eventPayload(event: number, end: boolean, duration: number): Buffer {
  const payload = Buffer.alloc(4);
  payload[0] = event;
  payload[1] = (end ? 0x80 : 0) | 10; // volume -10 dBm0
  payload.writeUInt16BE(Math.min(duration, 0xffff), 2);
  return payload;
}

/** G.711 u-law of a sample in -1..1. */
function ulaw(sample: number): number {
  const BIAS = 0x84;
  let pcm = Math.max(-32635, Math.min(32635, Math.round(sample * 32767)));
  const sign = pcm < 0 ? 0x80 : 0;
  if (pcm < 0) pcm = -pcm;
  pcm += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (pcm & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (pcm >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}
