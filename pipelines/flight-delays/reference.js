#!/usr/bin/env node
// The flight-delays pipeline's expected output, computed without Spark from its inputs (the npm
// package vega-datasets, a devDependency pinned in upstream.lock.json), by the rules flight_delays.py
// states. `npm run pipeline:expected` writes it to expected.json; test/pipelines/flight-delays.test.ts
// keeps that file fresh, and `k3d/platform.sh pipeline` compares what the job printed on the cluster with it.
'use strict';
const fs = require('fs');
const path = require('path');

const REPO = path.resolve(__dirname, '..', '..');
const DATA = path.join(REPO, 'node_modules', 'vega-datasets', 'data');
const EXPECTED = path.join(__dirname, 'expected.json');

/** Minutes after which a flight counts as delayed (the US DOT's definition), as in flight_delays.py. */
const DELAYED_AFTER_MINUTES = 15;

/** The fields of one CSV line (RFC 4180: fields may be quoted, with "" for a quote). */
function csvFields(line) {
  const fields = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      for (i++; i < line.length; i++) {
        if (line[i] === '"' && line[i + 1] === '"') {
          field += '"';
          i++;
        } else if (line[i] === '"') {
          i++;
          break;
        } else {
          field += line[i];
        }
      }
    } else {
      const end = line.indexOf(',', i);
      field = line.slice(i, end === -1 ? line.length : end);
      i = end === -1 ? line.length : end;
    }
    fields.push(field);
    if (line[i] !== ',') {
      return fields;
    }
    i++;
  }
}

const DATE = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2})$/;

/** The departure's "yyyy-MM", or undefined when the date does not parse as "yyyy/MM/dd HH:mm". */
function month(date) {
  const m = typeof date === 'string' ? DATE.exec(date) : null;
  if (!m) {
    return undefined;
  }
  const [y, mo, d, h, mi] = m.slice(1).map(Number);
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d || h > 23 || mi > 59) {
    return undefined;
  }
  return `${m[1]}-${m[2]}`;
}

/** The pipeline's output rows, ordered by state and month, from the two files' texts. */
function flightDelays(flightsJson, airportsCsv) {
  const lines = airportsCsv.split(/\r?\n/).filter((l) => l !== '');
  const header = csvFields(lines[0]);
  const iata = header.indexOf('iata');
  const stateAt = header.indexOf('state');
  const stateOf = new Map();
  for (const line of lines.slice(1)) {
    const f = csvFields(line);
    const code = (f[iata] ?? '').trim().toUpperCase();
    const state = (f[stateAt] ?? '').trim();
    if (code !== '' && state !== '' && !stateOf.has(code)) {
      stateOf.set(code, state);
    }
  }
  const groups = new Map();
  for (const flight of JSON.parse(flightsJson)) {
    const when = month(flight.date);
    const origin = typeof flight.origin === 'string' ? flight.origin.trim().toUpperCase() : '';
    if (when === undefined || typeof flight.delay !== 'number' || origin.length !== 3 || !stateOf.has(origin)) {
      continue;
    }
    const key = `${stateOf.get(origin)}\u0000${when}`;
    const g = groups.get(key) ?? { state: stateOf.get(origin), month: when, flights: 0, delayed_flights: 0, total_delay_minutes: 0, sum: 0 };
    g.flights += 1;
    g.delayed_flights += flight.delay > DELAYED_AFTER_MINUTES ? 1 : 0;
    g.total_delay_minutes += Math.max(flight.delay, 0);
    g.sum += flight.delay;
    groups.set(key, g);
  }
  return [...groups.values()]
    .sort((a, b) => (a.state < b.state ? -1 : a.state > b.state ? 1 : a.month < b.month ? -1 : a.month > b.month ? 1 : 0))
    .map(({ sum, ...row }) => ({ ...row, avg_delay_minutes: sum / row.flights }));
}

/** The expected output from the pinned input files (the npm package vega-datasets). */
function expected() {
  return flightDelays(fs.readFileSync(path.join(DATA, 'flights-20k.json'), 'utf8'), fs.readFileSync(path.join(DATA, 'airports.csv'), 'utf8'));
}

module.exports = { DELAYED_AFTER_MINUTES, EXPECTED, csvFields, expected, flightDelays };

if (require.main === module) {
  const rows = expected();
  fs.writeFileSync(EXPECTED, JSON.stringify(rows, null, 1) + '\n');
  console.log(`wrote ${rows.length} rows to ${path.relative(process.cwd(), EXPECTED)}`);
}
