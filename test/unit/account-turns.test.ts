import { describe, expect, it } from 'vitest';
import { KeyedTurns } from '../../src/accounts/turns.js';

describe('KeyedTurns', () => {
  it('lets `limit` holders of a key in at once, the rest in order as turns end, up to maxWaiting', async () => {
    const turns = new KeyedTurns(2, 2);
    const order: string[] = [];
    const take = (name: string, key = 'a') =>
      turns.take(key).then((end) => {
        order.push(end ? name : `${name}: no turn`);
        return end;
      });
    const [one, two] = await Promise.all([take('1'), take('2')]);
    const three = take('3');
    const four = take('4');
    expect(await take('5')).toBeNull();
    expect(await take('other key', 'b')).not.toBeNull();
    expect(order).toEqual(['1', '2', '5: no turn', 'other key']);

    one!();
    one!(); // ending twice ends once
    const endThree = await three;
    expect(order.at(-1)).toBe('3');
    two!();
    const endFour = await four;
    expect(order.at(-1)).toBe('4');
    endThree!();
    endFour!();
    expect(turns.size).toBe(1); // only 'b', still held
  });
});
