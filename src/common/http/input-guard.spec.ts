import { inspectValue, stringProblem } from './input-guard';

describe('input guard', () => {
  it('tells control characters and lone surrogates from ordinary text', () => {
    expect(stringProblem('a\u0000b')).toBe('control_character');
    expect(stringProblem('a\u001fb')).toBe('control_character');
    expect(stringProblem('a\u007f')).toBe('control_character');
    expect(stringProblem('\ud800')).toBe('lone_surrogate');
    expect(stringProblem('x\udc00')).toBe('lone_surrogate');
    expect(stringProblem('\udc00\ud800')).toBe('lone_surrogate');
    expect(stringProblem('tab\tline\nreturn\r')).toBeUndefined();
    expect(stringProblem('café \ud83d\ude00 中文')).toBeUndefined();
  });

  it('names the nested field that holds the problem', () => {
    expect(inspectValue({ a: 'ok', card: { token: 'x\u0000' } })).toEqual({
      kind: 'string',
      problem: 'control_character',
      param: 'card[token]',
    });
    expect(inspectValue({ list: ['ok', '\ud800'] })).toMatchObject({ param: 'list[1]' });
    expect(inspectValue({ 'k\u0000': 1 })).toMatchObject({ kind: 'key' });
  });

  it('refuses nesting beyond the limit without recursion, even 100,000 deep', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(inspectValue(deep)).toEqual({ kind: 'too_deep' });
    let ok: unknown = 1;
    for (let i = 0; i < 32; i++) ok = { a: ok };
    expect(inspectValue(ok)).toBeUndefined();
    expect(inspectValue({ a: ok })).toEqual({ kind: 'too_deep' });
  });
});
