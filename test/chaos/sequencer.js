// Scenario files run in the order of their numbered names (1-fuzz…, 2-…): the cheapest, most likely to find a bug
// first, and the table printed at the end reads in the same order every run.
const Sequencer = require('@jest/test-sequencer').default;

module.exports = class ChaosSequencer extends Sequencer {
  sort(tests) {
    return [...tests].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
};
