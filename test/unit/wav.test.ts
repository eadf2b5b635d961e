import { describe, expect, it } from 'vitest';
import {
  buildWav,
  MAX_WAV_BYTES,
  parseWav,
  readWavInfo,
  toAsteriskWav,
  toAsteriskWavAsync,
  WavError,
  wavDurationSec,
  wavHeaderUnfinished,
  wavWithSizesFixed,
} from '../../src/lib/wav.js';

function tone(freq: number, rate: number, seconds: number, amplitude = 0.5): Float32Array {
  const n = Math.round(rate * seconds);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / rate);
  return out;
}

/** Amplitude of the `freq` component over the middle of the signal (edges skipped: the filter's ramp). */
function amplitudeAt(samples: Float32Array, rate: number, freq: number): number {
  const from = Math.floor(samples.length * 0.2);
  const to = Math.floor(samples.length * 0.8);
  let re = 0;
  let im = 0;
  for (let i = from; i < to; i++) {
    const w = (2 * Math.PI * freq * i) / rate;
    re += samples[i]! * Math.cos(w);
    im += samples[i]! * Math.sin(w);
  }
  return (2 * Math.hypot(re, im)) / (to - from);
}

function rms(samples: Float32Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / samples.length);
}

const fmtChunk = (format: number, channels: number, rate: number, bits: number, extra?: Buffer) => {
  const b = Buffer.alloc(16);
  b.writeUInt16LE(format, 0);
  b.writeUInt16LE(channels, 2);
  b.writeUInt32LE(rate, 4);
  b.writeUInt32LE((rate * channels * bits) / 8, 8);
  b.writeUInt16LE((channels * bits) / 8, 12);
  b.writeUInt16LE(bits, 14);
  return extra ? Buffer.concat([b, extra]) : b;
};

/** A RIFF/WAVE file from chunks, each padded to an even length as the format says. */
function riff(chunks: [string, Buffer, number?][]): Buffer {
  const parts = chunks.map(([id, body, declared]) => {
    const head = Buffer.alloc(8);
    head.write(id, 0, 'ascii');
    head.writeUInt32LE(declared ?? body.length, 4);
    return Buffer.concat([head, body, Buffer.alloc(body.length & 1)]);
  });
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(12);
  head.write('RIFF', 0, 'ascii');
  head.writeUInt32LE(4 + body.length, 4);
  head.write('WAVE', 8, 'ascii');
  return Buffer.concat([head, body]);
}

const pcm16 = (samples: number[]) => {
  const b = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => {
    b.writeInt16LE(s, i * 2);
  });
  return b;
};

function wavError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WavError);
    return (err as Error).message;
  }
  throw new Error('expected a WavError');
}

describe('toAsteriskWav', () => {
  it('turns 44.1 kHz stereo 16-bit into 8 kHz mono 16-bit PCM, keeping duration and level', () => {
    const left = tone(440, 44_100, 1.5, 0.5);
    const input = buildWav([left, left], 44_100);
    const out = toAsteriskWav(input);

    // The exact header Asterisk's format_wav expects.
    expect(out.toString('ascii', 0, 4)).toBe('RIFF');
    expect(out.readUInt32LE(4)).toBe(out.length - 8);
    expect(out.toString('ascii', 8, 16)).toBe('WAVEfmt ');
    expect(out.readUInt32LE(16)).toBe(16);
    expect(out.readUInt16LE(20)).toBe(1); // PCM
    expect(out.readUInt16LE(22)).toBe(1); // mono
    expect(out.readUInt32LE(24)).toBe(8000);
    expect(out.readUInt32LE(28)).toBe(16_000);
    expect(out.readUInt16LE(32)).toBe(2);
    expect(out.readUInt16LE(34)).toBe(16);
    expect(out.toString('ascii', 36, 40)).toBe('data');
    expect(out.readUInt32LE(40)).toBe(out.length - 44);

    const parsed = parseWav(out);
    expect(parsed).toMatchObject({ sampleRate: 8000, channels: 1, bitsPerSample: 16, format: 'pcm' });
    expect(Math.abs(parsed.durationSec - 1.5)).toBeLessThan(0.001);
    expect(amplitudeAt(parsed.samples, 8000, 440)).toBeCloseTo(0.5, 2);
    // Nothing but the tone: the residual after removing 440 Hz is tiny.
    expect(rms(parsed.samples)).toBeCloseTo(0.5 / Math.SQRT2, 2);
  });

  it('mixes channels down by averaging them', () => {
    const input = buildWav([tone(440, 44_100, 1, 0.6), tone(440, 44_100, 1, 0.2)], 44_100);
    const parsed = parseWav(toAsteriskWav(input));
    expect(amplitudeAt(parsed.samples, 8000, 440)).toBeCloseTo(0.4, 2);
  });

  it('keeps the telephone band and filters out what would alias into it', () => {
    // 3.4 kHz, the top of the telephone band, passes.
    const high = parseWav(toAsteriskWav(buildWav([tone(3400, 44_100, 1, 0.5)], 44_100)));
    expect(amplitudeAt(high.samples, 8000, 3400)).toBeGreaterThan(0.47);

    // 5 kHz cannot be represented at 8 kHz; decimating without a low-pass would fold it to 3 kHz at full
    // level. It must be (nearly) gone.
    const above = parseWav(toAsteriskWav(buildWav([tone(5000, 44_100, 1, 0.5)], 44_100)));
    expect(amplitudeAt(above.samples, 8000, 3000)).toBeLessThan(0.001);
    const middle = above.samples.subarray(1000, above.samples.length - 1000);
    expect(rms(middle)).toBeLessThan(0.001);

    // Just above the new Nyquist frequency (4.3 kHz would fold to 3.7 kHz).
    const near = parseWav(toAsteriskWav(buildWav([tone(4300, 48_000, 1, 0.5)], 48_000)));
    expect(amplitudeAt(near.samples, 8000, 3700)).toBeLessThan(0.005);
  });

  it('resamples the other common rates, up and down, keeping duration and level', () => {
    for (const rate of [6000, 11_025, 16_000, 22_050, 32_000, 48_000, 96_000]) {
      const parsed = parseWav(toAsteriskWav(buildWav([tone(1000, rate, 0.8, 0.3)], rate)));
      expect(parsed.sampleRate).toBe(8000);
      expect(Math.abs(parsed.durationSec - 0.8)).toBeLessThan(0.001);
      expect(amplitudeAt(parsed.samples, 8000, 1000)).toBeCloseTo(0.3, 2);
    }
  });

  it('copies 8 kHz mono 16-bit through unchanged', () => {
    const input = buildWav([tone(440, 8000, 0.5, 0.5)], 8000);
    expect(toAsteriskWav(input).equals(input)).toBe(true);
  });

  it('the async variant gives the same bytes', async () => {
    const input = buildWav([tone(440, 44_100, 2, 0.5), tone(660, 44_100, 2, 0.2)], 44_100);
    expect((await toAsteriskWavAsync(input)).equals(toAsteriskWav(input))).toBe(true);
  });

  it('clips float input beyond full scale instead of wrapping around', () => {
    const loud = Float32Array.from({ length: 800 }, (_, i) => (i % 2 ? 1.5 : -1.5));
    const out = toAsteriskWav(buildWav([loud], 8000, { float: true }));
    expect(out.readInt16LE(44)).toBe(-32768);
    expect(out.readInt16LE(46)).toBe(32767);
  });
});

describe('parseWav', () => {
  const ramp = Float32Array.from([0, 0.25, -0.25, 0.5, -0.5, 0.99, -1]);

  it.each([
    [8, 1 / 128],
    [16, 1 / 32768],
    [24, 1 / 8388608],
    [32, 1 / 2147483648],
  ] as const)('reads %i-bit integer PCM', (bits, step) => {
    const parsed = parseWav(buildWav([ramp], 22_050, { bitsPerSample: bits }));
    expect(parsed).toMatchObject({ sampleRate: 22_050, channels: 1, bitsPerSample: bits, format: 'pcm' });
    expect(parsed.samples).toHaveLength(ramp.length);
    for (let i = 0; i < ramp.length; i++) expect(Math.abs(parsed.samples[i]! - ramp[i]!)).toBeLessThan(step);
    expect(parsed.durationSec).toBeCloseTo(ramp.length / 22_050, 9);
  });

  it('reads 8-bit as unsigned around 128 and 24-bit with its sign', () => {
    const eight = riff([
      ['fmt ', fmtChunk(1, 1, 8000, 8)],
      ['data', Buffer.from([0, 128, 255, 64])],
    ]);
    expect([...parseWav(eight).samples]).toEqual([-1, 0, 127 / 128, -0.5]);
    const twentyFour = riff([
      ['fmt ', fmtChunk(1, 1, 8000, 24)],
      ['data', Buffer.from([0x00, 0x00, 0x80, 0xff, 0xff, 0x7f, 0x00, 0x00, 0x40, 0xff, 0xff, 0xff])],
    ]);
    expect([...parseWav(twentyFour).samples]).toEqual([-1, 8388607 / 8388608, 0.5, -1 / 8388608]);
  });

  it('reads 32-bit float and G.711 A-law and µ-law', () => {
    const float = parseWav(buildWav([ramp], 8000, { float: true }));
    expect(float.format).toBe('float');
    expect([...float.samples]).toEqual([...ramp]);

    const mulaw = parseWav(
      riff([
        ['fmt ', fmtChunk(7, 1, 8000, 8)],
        ['data', Buffer.from([0xff, 0x00, 0x80])],
      ]),
    );
    expect(mulaw.format).toBe('mulaw');
    expect([...mulaw.samples]).toEqual([0, -32124 / 32768, 32124 / 32768]);
    const alaw = parseWav(
      riff([
        ['fmt ', fmtChunk(6, 1, 8000, 8)],
        ['data', Buffer.from([0xd5, 0x55, 0xaa])],
      ]),
    );
    expect(alaw.format).toBe('alaw');
    expect([...alaw.samples]).toEqual([8 / 32768, -8 / 32768, 32256 / 32768]);
  });

  it('mixes any number of channels', () => {
    const parsed = parseWav(
      riff([
        ['fmt ', fmtChunk(1, 3, 8000, 16)],
        ['data', pcm16([3000, 6000, 0, -300, -300, -300])],
      ]),
    );
    expect(parsed.channels).toBe(3);
    expect([...parsed.samples]).toEqual([3000 / 32768, -300 / 32768]);
  });

  it('skips unknown chunks, odd-sized ones with their pad byte, before and after the audio', () => {
    const file = riff([
      ['JUNK', Buffer.alloc(28)],
      ['LIST', Buffer.from('INFOISFT\x05\x00\x00\x00Lavf\x00', 'latin1')], // odd: 21 bytes + pad
      ['fmt ', fmtChunk(1, 1, 8000, 16)],
      ['bext', Buffer.from('odd')],
      ['data', pcm16([100, -100, 200])], // 6 bytes
      ['id3 ', Buffer.from('ID3 trailing tag')],
    ]);
    const parsed = parseWav(file);
    expect([...parsed.samples]).toEqual([100 / 32768, -100 / 32768, 200 / 32768]);
    expect(readWavInfo(file)).toMatchObject({ dataBytes: 6, durationSec: 3 / 8000 });
  });

  it('finds fmt after data, and takes an odd-length data chunk without its pad byte at the end', () => {
    const data = Buffer.concat([pcm16([1, 2]), Buffer.from([7])]); // 5 bytes: the last frame is partial
    const dataFirst = riff([
      ['data', data],
      ['fmt ', fmtChunk(1, 1, 8000, 16)],
    ]);
    expect(parseWav(dataFirst).samples).toHaveLength(2);
    const dataLast = riff([
      ['fmt ', fmtChunk(1, 1, 8000, 16)],
      ['data', data],
    ]);
    expect(parseWav(dataLast.subarray(0, dataLast.length - 1)).samples).toHaveLength(2);
  });

  it('reads WAVE_FORMAT_EXTENSIBLE by its sub-format', () => {
    const ext = (sub: number) => {
      const extra = Buffer.alloc(24);
      extra.writeUInt16LE(22, 0); // cbSize
      extra.writeUInt16LE(24, 2); // valid bits
      extra.writeUInt32LE(3, 4); // channel mask
      extra.writeUInt16LE(sub, 8);
      Buffer.from('000000001000800000aa00389b71', 'hex').copy(extra, 10);
      return riff([
        ['fmt ', fmtChunk(0xfffe, 2, 48_000, 24, extra)],
        ['data', Buffer.from([0, 0, 0x40, 0, 0, 0x40])],
      ]);
    };
    expect([...parseWav(ext(1)).samples]).toEqual([0.5]);
    expect(wavError(() => parseWav(ext(0x55)))).toBe(
      'WAV format 85 (MP3) not supported: export PCM WAV (16-bit)',
    );
  });

  it('takes a streamed file whose data size was never filled in', () => {
    const file = riff([
      ['fmt ', fmtChunk(1, 1, 8000, 16)],
      ['data', pcm16([5, 6, 7]), 0xffffffff],
    ]);
    expect(parseWav(file).samples).toHaveLength(3);
  });
});

describe('errors say what is wrong', () => {
  it('not a WAV file', () => {
    expect(wavError(() => parseWav(Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00 an mp3')))).toMatch(
      /^not a WAV file/,
    );
    expect(wavError(() => parseWav(Buffer.alloc(0)))).toMatch(/^not a WAV file/);
    expect(wavError(() => toAsteriskWav(Buffer.from('RIFF\x00\x00\x00\x00AVI LIST')))).toMatch(
      /^not a WAV file/,
    );
  });

  it('compressed formats name the format', () => {
    const mp3 = riff([
      ['fmt ', fmtChunk(0x55, 2, 44_100, 0)],
      ['data', Buffer.alloc(100)],
    ]);
    expect(wavError(() => toAsteriskWav(mp3))).toBe(
      'WAV format 85 (MP3) not supported: export PCM WAV (16-bit)',
    );
    const adpcm = riff([
      ['fmt ', fmtChunk(2, 1, 8000, 4)],
      ['data', Buffer.alloc(100)],
    ]);
    expect(wavError(() => parseWav(adpcm))).toMatch(/^WAV format 2 \(Microsoft ADPCM\) not supported/);
    const odd = riff([
      ['fmt ', fmtChunk(1, 1, 8000, 12)],
      ['data', Buffer.alloc(100)],
    ]);
    expect(wavError(() => parseWav(odd))).toMatch(/12 bits per sample not supported/);
  });

  it('no audio data', () => {
    expect(wavError(() => parseWav(riff([['fmt ', fmtChunk(1, 1, 8000, 16)]])))).toMatch(/^no audio data/);
    expect(
      wavError(() =>
        parseWav(
          riff([
            ['fmt ', fmtChunk(1, 1, 8000, 16)],
            ['data', Buffer.alloc(0)],
          ]),
        ),
      ),
    ).toMatch(/^no audio data/);
    expect(wavError(() => parseWav(riff([['data', pcm16([1, 2])]])))).toMatch(/no fmt chunk/);
  });

  it('truncated files', () => {
    const whole = buildWav([tone(440, 8000, 0.1)], 8000);
    expect(wavError(() => parseWav(whole.subarray(0, whole.length - 10)))).toBe(
      'truncated WAV file: the data chunk declares 1600 bytes but only 1590 follow',
    );
    expect(wavError(() => parseWav(whole.subarray(0, 30)))).toMatch(/^truncated WAV file: the fmt chunk/);
    // The head of a file is enough to describe it.
    expect(readWavInfo(whole.subarray(0, 100), whole.length)).toMatchObject({
      sampleRate: 8000,
      dataBytes: 1600,
      durationSec: 0.1,
    });
  });

  it('too large or too long', () => {
    expect(wavError(() => parseWav(Buffer.alloc(MAX_WAV_BYTES + 1024 * 1024)))).toBe(
      'WAV file too large: 51.0 MB (at most 50 MB)',
    );
    // 11 minutes at 1 kHz, 8 bits: small, but too long.
    const long = riff([
      ['fmt ', fmtChunk(1, 1, 1000, 8)],
      ['data', Buffer.alloc(11 * 60 * 1000, 128)],
    ]);
    expect(wavError(() => parseWav(long))).toBe('WAV audio too long: 11.0 minutes (at most 10)');
  });
});

describe('wavDurationSec', () => {
  it('measures the audio from the header, a cut-off data chunk as far as it goes', () => {
    const wav = buildWav([tone(440, 8000, 2)], 8000);
    expect(wavDurationSec(wav)).toBe(2);
    expect(wavDurationSec(wav.subarray(0, 44 + 8000))).toBe(0.5);
  });

  it('sets no length limit (a call runs longer than a prompt may): an hour declared, the second there counted', () => {
    const wav = buildWav([new Float32Array(8000)], 8000);
    wav.writeUInt32LE(8000 * 2 * 3600, 28 + 12); // data size of an hour at 8 kHz 16-bit, the file cut short
    expect(wavDurationSec(wav)).toBe(1);
  });

  it('says 0 for what is not a WAV', () => {
    expect(wavDurationSec(Buffer.from('ID3 not a wav at all, just some bytes of another format'))).toBe(0);
    expect(wavDurationSec(Buffer.alloc(10))).toBe(0);
  });
});

describe('a WAV whose header Asterisk has not finished', () => {
  // What a copy taken between Asterisk letting go of a recording and closing its file looks like.
  const unfinished = () => {
    const wav = buildWav([tone(440, 8000, 2)], 8000);
    wav.writeUInt32LE(0, 4);
    wav.writeUInt32LE(0, 40);
    return wav;
  };

  it('is told apart from a finished one, and from a call with no audio at all', () => {
    expect(wavHeaderUnfinished(unfinished())).toBe(true);
    expect(wavDurationSec(unfinished())).toBe(0);
    expect(wavHeaderUnfinished(buildWav([tone(440, 8000, 2)], 8000))).toBe(false);
    expect(wavHeaderUnfinished(buildWav([new Float32Array(0)], 8000))).toBe(false);
    expect(wavHeaderUnfinished(Buffer.from('not a wav'))).toBe(false);
  });

  it('gets its sizes counted from the bytes present, the audio kept', () => {
    const fixed = wavWithSizesFixed(unfinished());
    expect(wavHeaderUnfinished(fixed)).toBe(false);
    expect(wavDurationSec(fixed)).toBe(2);
    expect(fixed.readUInt32LE(4)).toBe(fixed.length - 8);
    expect(parseWav(fixed).sampleRate).toBe(8000);
  });
});
