import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { FLIGHT_DELAYS_INPUTS, VEGA_DATASETS_COMMIT } from '../../pipelines/flight-delays/pipeline';
import { REPO } from '../support/project';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const reference = require('../../pipelines/flight-delays/reference.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { location, readLock } = require('../../scripts/upstream.js');

const DIR = path.join(REPO, 'pipelines', 'flight-delays');
const script = fs.readFileSync(path.join(DIR, 'flight_delays.py'), 'utf8');

describe('the flight-delays pipeline', () => {
  test('expected.json is what reference.js computes from the pinned inputs (npm run pipeline:expected)', () => {
    const committed = JSON.parse(fs.readFileSync(reference.EXPECTED, 'utf8'));
    expect(committed).toEqual(reference.expected());
    // Every flight of the sample has an origin with a state: 20,000 flights in 152 state-months of 2001's first quarter.
    expect(committed).toHaveLength(152);
    expect(committed.reduce((n: number, r: any) => n + r.flights, 0)).toBe(20000);
    expect(new Set(committed.map((r: any) => r.month))).toEqual(new Set(['2001-01', '2001-02', '2001-03']));
    const ca = committed.find((r: any) => r.state === 'CA' && r.month === '2001-01');
    expect(ca.delayed_flights).toBeLessThan(ca.flights);
    expect(ca.avg_delay_minutes).toBeCloseTo(ca.total_delay_minutes / ca.flights, -3);
  });

  test('the inputs are pinned as upstream.lock.json pins them (url at the commit, SHA-256), and the npm package holds those bytes', () => {
    for (const input of FLIGHT_DELAYS_INPUTS) {
      expect(input.url).toBe(`https://raw.githubusercontent.com/vega/vega-datasets/${VEGA_DATASETS_COMMIT}/data/${input.name}`);
      const locked = readLock().find((e: any) => e.url === input.url);
      expect(locked).toMatchObject({ commit: VEGA_DATASETS_COMMIT, sha256: input.sha256, npm: expect.stringMatching(/^vega-datasets@/) });
      const sha = createHash('sha256').update(fs.readFileSync(path.join(REPO, location(locked)))).digest('hex');
      expect(sha).toBe(input.sha256);
    }
  });

  test('reference.js and flight_delays.py state the same rules', () => {
    expect(script).toContain(`DELAYED_AFTER_MINUTES = ${reference.DELAYED_AFTER_MINUTES}`);
    expect(script).toContain('F.col("delay") > DELAYED_AFTER_MINUTES');
    expect(script).toContain('"yyyy/MM/dd HH:mm"');
    expect(script).toContain('F.date_format("departure", "yyyy-MM")');
    expect(script).toContain('"inner"');
    expect(script).toContain('print("PIPELINE_RESULT " + json.dumps(row.asDict(), sort_keys=True)');
  });

  test('flight_delays.py is valid Python 3, with the entry point the job runs', () => {
    // Parsed, not compiled: nothing is written next to the script.
    const result = spawnSync('python3', ['-c', 'import ast, sys; tree = ast.parse(open(sys.argv[1]).read(), sys.argv[1]); print(" ".join(n.name for n in tree.body if isinstance(n, ast.FunctionDef)))', path.join(DIR, 'flight_delays.py')], { encoding: 'utf8' });
    if (result.error) {
      throw new Error(`python3 could not run (${result.error.message}); install it: apt-get install -y python3`);
    }
    expect(result.stderr).toBe('');
    expect(result.stdout.trim().split(' ')).toEqual(['wait_for', 'main']);
    expect(script).toContain('if __name__ == "__main__":\n    main(sys.argv)');
  });

  test('the reference cleans, joins and aggregates as the script says', () => {
    const flights = JSON.stringify([
      { date: '2001/01/31 23:59', delay: 20, origin: ' sfo' },
      { date: '2001/01/02 10:00', delay: -5, origin: 'LAX' },
      { date: '2001/02/01 00:00', delay: 15, origin: 'SFO' },
      { date: '2001/02/30 00:00', delay: 99, origin: 'SFO' }, // no such day: dropped
      { date: '2001/02/03 00:00', delay: null, origin: 'SFO' }, // no delay: dropped
      { date: '2001/02/03 00:00', delay: 7, origin: 'XXX' }, // unknown airport: dropped by the join
      { date: '2001/02/03 00:00', delay: 7, origin: 'NOS' }, // airport without a state: dropped
    ]);
    const airports = 'iata,name,city,state,country\nSFO,"San Francisco, Intl",San Francisco,CA,USA\nLAX,Los Angeles,Los Angeles,CA,USA\nNOS,Nowhere,,,USA\n';
    expect(reference.flightDelays(flights, airports)).toEqual([
      { state: 'CA', month: '2001-01', flights: 2, delayed_flights: 1, total_delay_minutes: 20, avg_delay_minutes: 7.5 },
      { state: 'CA', month: '2001-02', flights: 1, delayed_flights: 0, total_delay_minutes: 15, avg_delay_minutes: 15 },
    ]);
    expect(reference.csvFields('35A,"Union County, Troy ""Shelton""",Union,SC')).toEqual(['35A', 'Union County, Troy "Shelton"', 'Union', 'SC']);
  });
});
