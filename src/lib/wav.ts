/**
 * WAV files in and out: prompts a call center records itself, and the length of recordings. Pure: no I/O.
 *
 * parseWav reads a RIFF/WAVE file (integer PCM of 8, 16, 24 or 32 bits, 32/64-bit float, G.711 A-law and
 * µ-law; any sample rate and channel count) into mono samples. toAsteriskWav turns it into what Asterisk
 * plays without transcoding work: 8000 Hz, mono, 16-bit signed little-endian PCM in a plain WAV file.
 * Asterisk's format_wav refuses anything else in a `.wav` file ("Not in mono 2", "Unexpected frequency
 * mismatch 16000 (expecting 8000)"), so every upload goes through here.
 */

/** The most a file may weigh. */
export const MAX_WAV_BYTES = 50 * 1024 * 1024;
/** The longest audio accepted. */
export const MAX_WAV_SECONDS = 10 * 60;
/** What Asterisk plays from a `.wav` file. */
export const ASTERISK_RATE = 8000;

/** A file that is not a WAV we can read; the message says what is wrong, for the person who sent it. */
export class WavError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WavError';
  }
}

export type WavSampleFormat = 'pcm' | 'float' | 'alaw' | 'mulaw';

export interface WavInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  format: WavSampleFormat;
  /** Bytes of audio the data chunk holds (whole frames). */
  dataBytes: number;
  durationSec: number;
}

export interface ParsedWav extends Omit<WavInfo, 'dataBytes'> {
  /** Mono (channels averaged), -1..1 (float input may exceed it). */
  samples: Float32Array;
}

const FORMAT_NAMES: Record<number, string> = {
  2: 'Microsoft ADPCM',
  6: 'A-law',
  7: 'µ-law',
  17: 'IMA ADPCM',
  22: 'ITU G.723 ADPCM',
  49: 'GSM 6.10',
  64: 'G.721 ADPCM',
  80: 'MPEG',
  85: 'MP3',
  100: 'G.726 ADPCM',
  353: 'WMA',
  354: 'WMA Pro',
  355: 'WMA Lossless',
  255: 'AAC',
  5648: 'AAC',
  8192: 'AC-3',
  26447: 'Ogg Vorbis',
  26448: 'Ogg Vorbis',
  26449: 'Ogg Vorbis',
  61868: 'FLAC',
};

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_FLOAT = 0x0003;
const WAVE_FORMAT_ALAW = 0x0006;
const WAVE_FORMAT_MULAW = 0x0007;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** A data chunk size streaming writers leave when they cannot seek back: "to the end of the file". */
const SIZE_UNKNOWN = 0xffffffff;

interface Layout {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  blockAlign: number;
  format: WavSampleFormat;
  dataOffset: number;
  frames: number;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/**
 * Walks the chunks. `complete` false: `buf` is only the head of a file of `fileSize` bytes (reading a
 * prompt's header), so a data chunk running past the buffer is not an error.
 */
function layout(buf: Uint8Array, complete = true, fileSize = buf.length): Layout {
  if (fileSize > MAX_WAV_BYTES) {
    throw new WavError(`WAV file too large: ${mb(fileSize)} (at most ${MAX_WAV_BYTES / 1024 / 1024} MB)`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const tag = (at: number) => String.fromCharCode(buf[at]!, buf[at + 1]!, buf[at + 2]!, buf[at + 3]!);
  if (buf.length < 12 || tag(8) !== 'WAVE' || !['RIFF', 'RIFX', 'RF64'].includes(tag(0))) {
    throw new WavError('not a WAV file (no RIFF/WAVE header): send a .wav file');
  }
  if (tag(0) !== 'RIFF') {
    throw new WavError(`${tag(0)} WAV files are not supported: export a standard PCM WAV`);
  }

  let fmt: Omit<Layout, 'dataOffset' | 'frames'> | undefined;
  let data: { offset: number; bytes: number } | undefined;
  let offset = 12;
  while (offset + 8 <= buf.length) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + size > buf.length) {
        throw new WavError('truncated WAV file: the fmt chunk is incomplete');
      }
      fmt = readFmt(view, body, size);
    } else if (id === 'data') {
      const available = buf.length - body;
      if (size === SIZE_UNKNOWN || size <= available) {
        data = { offset: body, bytes: size === SIZE_UNKNOWN ? available : size };
      } else if (!complete) {
        data = { offset: body, bytes: Math.min(size, fileSize - body) };
      } else {
        throw new WavError(
          `truncated WAV file: the data chunk declares ${size} bytes but only ${available} follow`,
        );
      }
      if (fmt) break; // whatever follows the audio (LIST, id3 ...) does not matter
      if (size === SIZE_UNKNOWN || !complete) break;
    }
    // Chunks are padded to an even length; the pad byte is not counted in the size.
    offset = body + size + (size & 1);
  }
  if (!fmt) throw new WavError('not a usable WAV file: it has no fmt chunk');
  if (!data) throw new WavError('no audio data: the WAV file has no data chunk');

  const frames = Math.floor(data.bytes / fmt.blockAlign);
  if (frames === 0) throw new WavError('no audio data: the WAV file holds no samples');
  const durationSec = frames / fmt.sampleRate;
  if (durationSec > MAX_WAV_SECONDS) {
    throw new WavError(
      `WAV audio too long: ${(durationSec / 60).toFixed(1)} minutes (at most ${MAX_WAV_SECONDS / 60})`,
    );
  }
  return { ...fmt, dataOffset: data.offset, frames };
}

function readFmt(view: DataView, at: number, size: number): Omit<Layout, 'dataOffset' | 'frames'> {
  let code = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const blockAlign = view.getUint16(at + 12, true);
  const bitsPerSample = view.getUint16(at + 14, true);
  if (code === WAVE_FORMAT_EXTENSIBLE) {
    // WAVEFORMATEXTENSIBLE: cbSize, valid bits, channel mask, then the sub-format GUID whose first two
    // bytes are the real format code.
    if (size < 40) throw new WavError('truncated WAV file: the extensible fmt chunk is incomplete');
    code = view.getUint16(at + 24, true);
  }
  const format: WavSampleFormat | undefined =
    code === WAVE_FORMAT_PCM
      ? 'pcm'
      : code === WAVE_FORMAT_FLOAT
        ? 'float'
        : code === WAVE_FORMAT_ALAW
          ? 'alaw'
          : code === WAVE_FORMAT_MULAW
            ? 'mulaw'
            : undefined;
  if (!format) {
    const name = FORMAT_NAMES[code] ?? 'compressed or unknown';
    throw new WavError(`WAV format ${code} (${name}) not supported: export PCM WAV (16-bit)`);
  }
  const supported =
    format === 'pcm'
      ? [8, 16, 24, 32].includes(bitsPerSample)
      : format === 'float'
        ? bitsPerSample === 32 || bitsPerSample === 64
        : bitsPerSample === 8;
  if (!supported) {
    throw new WavError(
      `WAV ${format === 'pcm' ? 'PCM' : format} with ${bitsPerSample} bits per sample not supported: ` +
        'export PCM WAV with 8, 16, 24 or 32 bits',
    );
  }
  if (channels < 1) throw new WavError('not a usable WAV file: it declares no channels');
  if (sampleRate < 1000 || sampleRate > 768_000) {
    throw new WavError(`WAV sample rate ${sampleRate} Hz not supported (1000 to 768000 Hz)`);
  }
  if (blockAlign < channels * (bitsPerSample / 8)) {
    throw new WavError(
      `not a usable WAV file: block size ${blockAlign} is too small for ${channels} channel(s) of ${bitsPerSample} bits`,
    );
  }
  return { sampleRate, channels, bitsPerSample, blockAlign, format };
}

/** What a WAV file holds, from its header alone (`buf` may be just the head of a `fileSize`-byte file). */
export function readWavInfo(buf: Uint8Array, fileSize = buf.length): WavInfo {
  const l = layout(buf, buf.length >= fileSize, fileSize);
  return {
    sampleRate: l.sampleRate,
    channels: l.channels,
    bitsPerSample: l.bitsPerSample,
    format: l.format,
    dataBytes: l.frames * l.blockAlign,
    durationSec: l.frames / l.sampleRate,
  };
}

/** Decodes a whole WAV file to mono samples. Throws WavError saying what is wrong. */
export function parseWav(buf: Uint8Array): ParsedWav {
  const l = layout(buf);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const read = sampleReader(view, l.format, l.bitsPerSample);
  const bytesPerSample = l.bitsPerSample / 8;
  const samples = new Float32Array(l.frames);
  const scale = 1 / l.channels;
  for (let f = 0, frameAt = l.dataOffset; f < l.frames; f++, frameAt += l.blockAlign) {
    let sum = 0;
    for (let c = 0; c < l.channels; c++) sum += read(frameAt + c * bytesPerSample);
    samples[f] = sum * scale;
  }
  return {
    sampleRate: l.sampleRate,
    channels: l.channels,
    bitsPerSample: l.bitsPerSample,
    format: l.format,
    samples,
    durationSec: l.frames / l.sampleRate,
  };
}

function sampleReader(view: DataView, format: WavSampleFormat, bits: number): (at: number) => number {
  if (format === 'float') {
    return bits === 64 ? (at) => view.getFloat64(at, true) : (at) => view.getFloat32(at, true);
  }
  if (format === 'alaw') return (at) => ALAW[view.getUint8(at)]!;
  if (format === 'mulaw') return (at) => MULAW[view.getUint8(at)]!;
  switch (bits) {
    case 8: // 8-bit WAV is unsigned, centred on 128
      return (at) => (view.getUint8(at) - 128) / 128;
    case 16:
      return (at) => view.getInt16(at, true) / 32768;
    case 24:
      return (at) => ((view.getInt8(at + 2) << 16) | view.getUint16(at, true)) / 8388608;
    default:
      return (at) => view.getInt32(at, true) / 2147483648;
  }
}

/** G.711 decoding tables (ITU-T G.711), as -1..1. */
const ALAW = new Float32Array(256);
const MULAW = new Float32Array(256);
for (let i = 0; i < 256; i++) {
  const a = i ^ 0x55;
  const exp = (a & 0x70) >> 4;
  let mag = ((a & 0x0f) << 4) + 8;
  if (exp > 0) mag = (mag + 0x100) << (exp - 1);
  ALAW[i] = ((a & 0x80 ? 1 : -1) * mag) / 32768;

  const u = ~i & 0xff;
  const m = ((((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4)) - 0x84;
  MULAW[i] = ((u & 0x80 ? -1 : 1) * m) / 32768;
}

// --- resampling

/** Zero crossings of the low-pass kernel on each side: the longer, the steeper the cut. */
const ZERO_CROSSINGS = 32;
/** The cut-off as a fraction of the lower rate: 0.475 at 8 kHz out is 3800 Hz. */
const CUTOFF = 0.475;
/** Kaiser window shape: about 90 dB stop-band attenuation. */
const KAISER_BETA = 9;
/** Bound on the precomputed kernel table (phases × taps), so odd sample rates stay cheap in memory. */
const MAX_TABLE = 2_000_000;

/** Modified Bessel function of the first kind, order 0 (for the Kaiser window). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * A band-limited resampler: each output sample is a Kaiser-windowed sinc low-pass (cut off below the
 * lower of the two Nyquist frequencies, so nothing aliases when decimating) evaluated at its position in
 * the input. The kernel is tabulated once per fractional position ("phase"); between two common rates
 * there are few (44100 -> 8000 has 80), otherwise the phase is rounded to one of at most a few thousand.
 */
class Resampler {
  readonly length: number;
  private readonly step: number;
  private readonly phases: number;
  private readonly half: number;
  private readonly taps: number;
  private readonly table: Float64Array;

  constructor(
    private readonly input: Float32Array,
    inRate: number,
    outRate: number,
  ) {
    this.length = Math.round((input.length * outRate) / inRate);
    this.step = inRate / outRate;
    // Cut-off in cycles per input sample, times two (the sinc's argument scale).
    const g = (2 * CUTOFF * Math.min(inRate, outRate)) / inRate;
    const width = ZERO_CROSSINGS / g; // half-width of the kernel in input samples
    this.half = Math.ceil(width);
    this.taps = 2 * this.half + 1;
    const exact = outRate / gcd(inRate, outRate);
    this.phases = Math.max(1, Math.min(exact, Math.floor(MAX_TABLE / this.taps)));
    this.table = new Float64Array(this.phases * this.taps);
    const i0beta = besselI0(KAISER_BETA);
    for (let p = 0; p < this.phases; p++) {
      const frac = p / this.phases;
      const row = p * this.taps;
      let sum = 0;
      for (let k = -this.half; k <= this.half; k++) {
        const d = frac - k; // distance from the output position to input sample (i0 + k)
        const x = d / width;
        let h = 0;
        if (Math.abs(x) < 1) {
          const s = d === 0 ? 1 : Math.sin(Math.PI * g * d) / (Math.PI * g * d);
          h = s * (besselI0(KAISER_BETA * Math.sqrt(1 - x * x)) / i0beta);
        }
        this.table[row + k + this.half] = h;
        sum += h;
      }
      // Unity gain at DC for every phase.
      for (let t = 0; t < this.taps; t++) this.table[row + t]! /= sum;
    }
  }

  /** Writes output samples [from, to) into `out`. */
  run(out: Float32Array, from: number, to: number): void {
    const { input, table, taps, half, phases, step } = this;
    const n = input.length;
    for (let j = from; j < to; j++) {
      const t = j * step;
      let i0 = Math.floor(t);
      let p = Math.round((t - i0) * phases);
      if (p === phases) {
        p = 0;
        i0++;
      }
      const row = p * taps;
      const first = i0 - half;
      // Clip the kernel to the input: samples before the start and after the end are silence.
      const kFrom = Math.max(0, -first);
      const kTo = Math.min(taps, n - first);
      let acc = 0;
      for (let k = kFrom; k < kTo; k++) acc += input[first + k]! * table[row + k]!;
      out[j] = acc;
    }
  }
}

/** Output samples resampled per slice of work before the async variant yields to the event loop. */
const SLICE = 8192;

function encodeWav(samples: Float32Array, sampleRate: number): Buffer {
  const out = Buffer.alloc(44 + samples.length * 2);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + samples.length * 2, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * 2, 28); // byte rate
  out.writeUInt16LE(2, 32); // block align
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(samples.length * 2, 40);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.round(samples[i]! * 32768);
    out.writeInt16LE(Math.min(32767, Math.max(-32768, v)), 44 + i * 2);
  }
  return out;
}

/** Mono samples at ASTERISK_RATE, in slices (yield between them, or not). */
function* convertSlices(wav: ParsedWav): Generator<void, Float32Array> {
  if (wav.sampleRate === ASTERISK_RATE) return wav.samples;
  const resampler = new Resampler(wav.samples, wav.sampleRate, ASTERISK_RATE);
  const out = new Float32Array(resampler.length);
  for (let from = 0; from < out.length; from += SLICE) {
    resampler.run(out, from, Math.min(out.length, from + SLICE));
    yield;
  }
  return out;
}

/**
 * Converts a WAV file to 8000 Hz mono 16-bit PCM WAV, what Asterisk plays cheaply. Throws WavError.
 * Blocks until done (up to a second or two for a 10-minute 44.1 kHz file): a server prefers
 * toAsteriskWavAsync.
 */
export function toAsteriskWav(buf: Uint8Array): Buffer {
  const slices = convertSlices(parseWav(buf));
  let step = slices.next();
  while (!step.done) step = slices.next();
  return encodeWav(step.value, ASTERISK_RATE);
}

/** toAsteriskWav, yielding to the event loop between slices so live calls are not held up. */
export async function toAsteriskWavAsync(buf: Uint8Array): Promise<Buffer> {
  const slices = convertSlices(parseWav(buf));
  let step = slices.next();
  while (!step.done) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    step = slices.next();
  }
  return encodeWav(step.value, ASTERISK_RATE);
}

/** Builds a WAV file from samples (-1..1); for tests and tools. */
export function buildWav(
  channels: Float32Array[],
  sampleRate: number,
  options: { bitsPerSample?: 8 | 16 | 24 | 32; float?: boolean } = {},
): Buffer {
  const bits = options.bitsPerSample ?? (options.float ? 32 : 16);
  const bytes = bits / 8;
  const frames = channels[0]?.length ?? 0;
  const blockAlign = channels.length * bytes;
  const out = Buffer.alloc(44 + frames * blockAlign);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + frames * blockAlign, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(options.float ? WAVE_FORMAT_FLOAT : WAVE_FORMAT_PCM, 20);
  out.writeUInt16LE(channels.length, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * blockAlign, 28);
  out.writeUInt16LE(blockAlign, 32);
  out.writeUInt16LE(bits, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(frames * blockAlign, 40);
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < channels.length; c++) {
      const s = channels[c]![f]!;
      const at = 44 + f * blockAlign + c * bytes;
      if (options.float) out.writeFloatLE(s, at);
      else if (bits === 8) out.writeUInt8(clamp(Math.round(s * 128) + 128, 0, 255), at);
      else if (bits === 16) out.writeInt16LE(clamp(Math.round(s * 32768), -32768, 32767), at);
      else if (bits === 24) out.writeIntLE(clamp(Math.round(s * 8388608), -8388608, 8388607), at, 3);
      else out.writeInt32LE(clamp(Math.round(s * 2147483648), -2147483648, 2147483647), at);
    }
  }
  return out;
}

/**
 * Seconds of audio in a WAV file (from its header: data bytes / byte rate), 0 if the header is not one we
 * understand. Unlike readWavInfo it sets no size or length limit and takes a data chunk cut short as far
 * as it goes: it measures call recordings and voice messages, not uploads.
 */
export function wavDurationSec(wav: Buffer): number {
  if (wav.length < 44 || wav.toString('ascii', 0, 4) !== 'RIFF' || wav.toString('ascii', 8, 12) !== 'WAVE')
    return 0;
  let offset = 12;
  let byteRate = 0;
  while (offset + 8 <= wav.length) {
    const id = wav.toString('ascii', offset, offset + 4);
    const size = wav.readUInt32LE(offset + 4);
    if (id === 'fmt ') byteRate = wav.readUInt32LE(offset + 16);
    if (id === 'data') return byteRate > 0 ? Math.min(size, wav.length - offset - 8) / byteRate : 0;
    offset += 8 + size + (size % 2);
  }
  return 0;
}

/**
 * Where a WAV's data chunk starts and how many bytes its header claims, or null when there is none. Walks
 * the chunks like wavDurationSec.
 */
function dataChunk(wav: Buffer): { at: number; size: number } | null {
  if (wav.length < 44 || wav.toString('ascii', 0, 4) !== 'RIFF' || wav.toString('ascii', 8, 12) !== 'WAVE')
    return null;
  let offset = 12;
  while (offset + 8 <= wav.length) {
    const size = wav.readUInt32LE(offset + 4);
    if (wav.toString('ascii', offset, offset + 4) === 'data') return { at: offset, size };
    offset += 8 + size + (size % 2);
  }
  return null;
}

/**
 * A WAV whose header does not yet count the audio that follows it: Asterisk writes the sizes when it
 * closes the file, so a copy taken before that says 0 s although the audio is there.
 */
export function wavHeaderUnfinished(wav: Buffer): boolean {
  const data = dataChunk(wav);
  return data !== null && data.size === 0 && wav.length > data.at + 8;
}

/** A copy of the WAV with its RIFF and data sizes counting every byte present (a header never finished). */
export function wavWithSizesFixed(wav: Buffer): Buffer {
  const data = dataChunk(wav);
  if (!data) return wav;
  const out = Buffer.from(wav);
  out.writeUInt32LE(out.length - 8, 4);
  out.writeUInt32LE(out.length - data.at - 8, data.at + 4);
  return out;
}
