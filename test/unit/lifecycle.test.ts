import { describe, expect, it } from 'vitest';
import { Lifecycle, START_PHASES, STOP_PHASES, type Wired } from '../../src/wiring/lifecycle.js';

const quiet = { debug: () => {} };

describe('Lifecycle', () => {
  it('runs phase by phase, and within a phase the domains in wiring order', async () => {
    const ran: string[] = [];
    const step = (name: string) => () => {
      ran.push(name);
    };
    const life = new Lifecycle(quiet);
    life.add({
      domain: 'a',
      steps: { start: { connect: step('connect:a') }, stop: { close: step('close:a') } },
    });
    life.add({
      domain: 'b',
      steps: {
        start: { schedule: step('schedule:b'), listen: step('listen:b') },
        stop: { close: step('close:b'), refuse: step('refuse:b') },
      },
    });
    life.add({ domain: 'c', steps: { start: { connect: step('connect:c') } } });
    await life.start();
    expect(ran).toEqual(['listen:b', 'connect:a', 'connect:c', 'schedule:b']);
    ran.length = 0;
    await life.stop();
    expect(ran).toEqual(['refuse:b', 'close:a', 'close:b']);
  });

  it('waits for an asynchronous step before the next', async () => {
    const ran: string[] = [];
    const life = new Lifecycle(quiet);
    life.add({
      domain: 'slow',
      steps: {
        stop: {
          drain: async () => {
            await new Promise((r) => setTimeout(r, 20));
            ran.push('drain');
          },
        },
      },
    });
    life.add({ domain: 'next', steps: { stop: { release: () => void ran.push('release') } } });
    await life.stop();
    expect(ran).toEqual(['drain', 'release']);
  });

  it('runs synchronous steps back to back, with no turn for other work in between', async () => {
    const ran: string[] = [];
    const life = new Lifecycle(quiet);
    const sync = (name: string): Wired => ({
      domain: name,
      steps: { stop: { refuse: () => void ran.push(name) } },
    });
    life.add(sync('first'));
    life.add(sync('second'));
    const stopped = life.stop();
    void Promise.resolve().then(() => ran.push('other'));
    await stopped;
    expect(ran).toEqual(['first', 'second', 'other']);
  });

  it('stops at the first failing step and rejects with its error', async () => {
    const ran: string[] = [];
    const life = new Lifecycle(quiet);
    life.add({
      domain: 'broken',
      steps: {
        start: {
          attach: async () => {
            throw new Error('no PBX');
          },
        },
      },
    });
    life.add({ domain: 'later', steps: { start: { schedule: () => void ran.push('schedule') } } });
    await expect(life.start()).rejects.toThrow('no PBX');
    expect(ran).toEqual([]);
  });

  it('documents the start order and the drain order', () => {
    expect(START_PHASES).toEqual(['listen', 'attach', 'connect', 'reconcile', 'schedule']);
    expect(STOP_PHASES).toEqual([
      'refuse',
      'unschedule',
      'drain',
      'release',
      'finish',
      'requests',
      'requestWork',
      'disconnect',
      'close',
    ]);
  });
});
