import { stageShares } from './cpu-budget';

/** A profile tree: root → (idle) | express handler → idempotency repo → JSON.stringify; → pg parser. */
function profile() {
  const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({
    id,
    callFrame: { functionName, url },
    children,
  });
  return {
    nodes: [
      frame(1, '(root)', '', [2, 3, 7]),
      frame(2, '(idle)', ''),
      frame(3, 'handle', 'file:///app/node_modules/express/lib/router/layer.js', [4, 6]),
      frame(4, 'complete', 'file:///app/src/modules/auth/idempotency.repository.ts', [5]),
      frame(5, 'stringify', ''), // a builtin: no url, its caller decides
      frame(6, 'parseRow', 'file:///app/node_modules/pg-protocol/dist/parser.js'),
      frame(7, '(garbage collector)', ''),
    ],
    // 10 samples: 4 idle, 3 in stringify, 2 in pg, 1 in GC; every delta 100 µs.
    samples: [2, 2, 2, 2, 5, 5, 5, 6, 6, 7],
    timeDeltas: Array(10).fill(100),
  };
}

describe('CPU budget attribution', () => {
  it('gives a sample to the deepest frame that names a stage, and leaves idle out', () => {
    const shares = stageShares(profile());
    expect(Object.fromEntries(shares)).toEqual({
      idempotency: 0.5, // 3 of the 6 on-CPU samples: the builtin counts for its caller
      'SQL (pg driver, sockets to PostgreSQL)': 2 / 6, // pg under express is SQL, not framework
      GC: 1 / 6,
    });
    expect(shares.has('framework (Nest, Express, rxjs)')).toBe(false);
  });

  it('calls a stack that names no stage "other"', () => {
    const p = profile();
    p.nodes[2].callFrame.url = 'file:///app/node_modules/unknown-lib/x.js';
    p.nodes[3].callFrame.url = '';
    p.nodes[5].callFrame.url = '';
    expect(Object.fromEntries(stageShares(p))).toEqual({ 'other (V8 builtins, unattributed)': 5 / 6, GC: 1 / 6 });
  });
});
