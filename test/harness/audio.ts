/** Root mean square level of samples in -1..1 (silence is 0). */
export function rms(samples: Float32Array): number {
  let sum = 0;
  for (const x of samples) sum += x * x;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

/**
 * The amplitude of one frequency in samples of -1..1 (Goertzel): a full-scale sine of that frequency gives
 * about 0.5 (its RMS-like share), other tones and silence about 0.
 */
export function toneLevel(samples: Float32Array, sampleRate: number, frequencyHz: number): number {
  const coefficient = 2 * Math.cos((2 * Math.PI * frequencyHz) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (const x of samples) {
    const s0 = x + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
  return Math.sqrt(Math.max(0, power)) / Math.max(1, samples.length);
}
