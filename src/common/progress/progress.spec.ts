import { fraction, printedProgress } from './progress';

describe('printedProgress', () => {
  it('throttles steps to one per interval and always prints notes', () => {
    const lines: string[] = [];
    let t = 0;
    const p = printedProgress(
      'job',
      (l) => lines.push(l),
      1000,
      () => t,
    );
    p.step('a'); // first step prints
    t = 400;
    p.step('b'); // within the interval: dropped
    p.note('stage'); // notes always print, and restart the interval
    t = 1300;
    p.step('c'); // 900 ms after the note: dropped
    t = 1400;
    p.step('d');
    expect(lines).toEqual(['[job 0.0 s] a\n', '[job 0.4 s] stage\n', '[job 1.4 s] d\n']);
  });
});

describe('fraction', () => {
  it('writes done / total with a floored percentage', () => {
    expect(fraction(1500, 4000)).toBe('1,500 / 4,000 (37 %)');
    expect(fraction(0, 0)).toBe('0 / 0 (100 %)');
  });
});
