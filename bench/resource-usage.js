'use strict';
// Preloaded (NODE_OPTIONS=--require) into every Node process of a measured run when /usr/bin/time
// is not installed: at exit, appends the process's peak RSS (KiB) and CPU time (microseconds) to
// the file named by BENCH_USAGE_FILE, one JSON line per process.
const fs = require('fs');

const file = process.env.BENCH_USAGE_FILE;
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    fs.appendFileSync(file, `${JSON.stringify({ maxRssKiB: usage.maxRSS, userUs: usage.userCPUTime, systemUs: usage.systemCPUTime })}\n`);
  });
}
