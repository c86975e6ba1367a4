import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Deque } from '../../src/engine/deque.js';
import { MinHeap } from '../../src/engine/min-heap.js';
import { Semaphore } from '../../src/engine/semaphore.js';
import { sleep } from './helpers.js';

describe('Deque', () => {
  it('keeps FIFO order across growth, with unshift at the front', () => {
    const q = new Deque<number>();
    for (let i = 0; i < 20; i++) q.push(i);
    assert.equal(q.shift(), 0);
    q.unshift(-1);
    for (let i = 20; i < 100; i++) q.push(i);
    const out = q.drain();
    assert.deepEqual(out, [-1, ...Array.from({ length: 99 }, (_, i) => i + 1)]);
    assert.equal(q.length, 0);
    assert.equal(q.shift(), undefined);
  });
});

describe('MinHeap', () => {
  it('pops in key order', () => {
    const heap = new MinHeap<number>((n) => n);
    const values = Array.from({ length: 200 }, (_, i) => (i * 7919) % 211);
    for (const v of values) heap.push(v);
    const out: number[] = [];
    for (let v = heap.pop(); v !== undefined; v = heap.pop()) out.push(v);
    assert.deepEqual(out, [...values].sort((a, b) => a - b));
  });
});

describe('Semaphore', () => {
  it('never runs more than its permits at once', async () => {
    const semaphore = new Semaphore(3);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 12 }, () =>
        semaphore.run(async () => {
          peak = Math.max(peak, ++running);
          await sleep(5);
          running--;
        }),
      ),
    );
    assert.equal(peak, 3);
  });

  it('releases its permit when the work fails', async () => {
    const semaphore = new Semaphore(1);
    await assert.rejects(semaphore.run(() => Promise.reject(new Error('boom'))));
    assert.equal(await semaphore.run(async () => 'next'), 'next');
  });
});
