/** Root mean square level of samples in -1..1 (silence is 0). */
export function rms(samples: Float32Array): number {
  let sum = 0;
  for (const x of samples) sum += x * x;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

/**
 * The RMS level of one frequency in the samples (Goertzel): tells a party's tone apart from another's in a
 * mixed recording, e.g. the browser's 440 Hz from a 1 kHz tone played into the same call. A pure sine of
 * amplitude A gives about A/√2, like rms().
 */
export function toneLevel(samples: Float32Array, sampleRate: number, frequency: number): number {
  const n = samples.length;
  if (n === 0) return 0;
  const w = (2 * Math.PI * frequency) / sampleRate;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (const x of samples) {
    const s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (Math.sqrt(power) / n) * Math.SQRT2;
}
