// A Jest reporter that lists, once, the cross-checks a run skipped because upstream/ is empty (see
// test/support/upstream.ts): Jest's default reporter only counts skipped tests.
'use strict';
const { FILL_COMMAND } = require('../../scripts/upstream.js');

const MARKER = ` (skipped: upstream/ is empty, ${FILL_COMMAND} fills it)`;

class SkippedCrossChecks {
  onRunComplete(_contexts, results) {
    const names = new Set();
    for (const file of results.testResults) {
      for (const test of file.testResults) {
        if (test.status === 'pending' && test.title.endsWith(MARKER)) {
          names.add([...test.ancestorTitles, test.title.slice(0, -MARKER.length)].join(' › '));
        }
      }
    }
    if (names.size > 0) {
      const lines = [...names].sort().map((name) => `skipped cross-check: ${name} (run ${FILL_COMMAND} to enable it)`);
      process.stderr.write(`\n${lines.join('\n')}\n`);
    }
  }
}

module.exports = SkippedCrossChecks;
/** The title of a skipped cross-check's stand-in test, which this reporter recognises. */
module.exports.skippedTitle = (name) => `${name}${MARKER}`;
