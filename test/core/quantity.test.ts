import { Quantity, Report } from '../../lib';

/** The problems a parse records; the parse must also return undefined for them. */
function problemsOf(parse: (report: Report) => Quantity | undefined): string[] {
  const problems: string[] = [];
  const result = parse((p) => problems.push(p));
  expect(result).toBeUndefined();
  return problems;
}

/** A report for values that must parse. */
const fail: Report = (problem) => {
  throw new Error(`unexpected problem: ${problem}`);
};

describe('Quantity.parse (Kubernetes quantities)', () => {
  test.each([
    ['500m', 0.5],
    ['1.5', 1.5],
    ['4', 4],
    ['8Gi', 8 * 2 ** 30],
    ['512Mi', 512 * 2 ** 20],
    ['1k', 1000],
    ['1e3', 1000],
    ['2M', 2e6],
    ['.5', 0.5],
    [3, 3],
  ])('%s is %d units', (text, units) => {
    expect(Quantity.literal(text).units).toBe(units);
  });

  test('sub-milli amounts round up as Kubernetes does', () => {
    expect(Quantity.literal('1n').millis).toBe(1);
  });

  test('float noise does not change the value', () => {
    expect(Quantity.literal('0.1').plus(Quantity.literal('0.2')).equals(Quantity.literal('300m'))).toBe(true);
  });

  test.each(['8GB', 'abc', '', '1.2.3', '8 Gi', '5x'])('"%s" is rejected naming the prop', (bad) => {
    expect(problemsOf((report) => Quantity.parse(bad, 'quota.requestsMemory', report))).toEqual([expect.stringMatching(/^quota\.requestsMemory ".*" is not a Kubernetes quantity/)]);
  });

  test('a Spark-style memory string gets a suggestion', () => {
    expect(problemsOf((report) => Quantity.parse('8g', 'quota.limitsMemory', report))).toEqual([expect.stringMatching(/did you mean "8Gi"\?/)]);
  });

  test('negative amounts are rejected', () => {
    expect(problemsOf((report) => Quantity.parse('-1', 'quota.requestsCpu', report))).toEqual([expect.stringMatching(/quota\.requestsCpu "-1" is negative/)]);
  });
});

describe('Quantity.parseSparkMemory (Spark memory strings)', () => {
  test.each([
    ['512m', 512 * 2 ** 20],
    ['512M', 512 * 2 ** 20],
    ['2g', 2 * 2 ** 30],
    ['2gb', 2 * 2 ** 30],
    ['1024k', 2 ** 20],
    ['1t', 2 ** 40],
    ['100', 100 * 2 ** 20],
    ['4096b', 4096],
  ])('%s is %d bytes', (text, bytes) => {
    expect(Quantity.parseSparkMemory(text, 'x', fail)!.units).toBe(bytes);
  });

  test("Spark's 512m is 512 MiB, unlike Kubernetes' 512m", () => {
    expect(Quantity.parseSparkMemory('512m', 'x', fail)!.equals(Quantity.literal('512Mi'))).toBe(true);
    expect(Quantity.literal('512m').units).toBe(0.512);
  });

  test.each(['1.5g', '512Mi', 'lots', '-1g', '2 g'])('"%s" is rejected naming the prop', (bad) => {
    expect(problemsOf((report) => Quantity.parseSparkMemory(bad, 'driver.memory', report))).toEqual([expect.stringMatching(/^driver\.memory ".*" is not a Spark memory size/)]);
  });

  test('a Kubernetes-style size gets a suggestion', () => {
    expect(problemsOf((report) => Quantity.parseSparkMemory('512Mi', 'executor.memory', report))).toEqual([expect.stringMatching(/did you mean "512m"\?/)]);
  });
});

describe('printing and arithmetic', () => {
  test('CPU prints as kubectl does', () => {
    expect(Quantity.literal('3').toCpuString()).toBe('3');
    expect(Quantity.literal('1.2').times(3).toCpuString()).toBe('3600m');
  });

  test('memory prints exactly with the largest binary suffix that divides it', () => {
    expect(Quantity.literal('8Gi').toMemoryString()).toBe('8Gi');
    expect(Quantity.mebibytes(2688).toMemoryString()).toBe('2688Mi');
    expect(Quantity.literal('8Gi').minus(Quantity.mebibytes(2688)).toMemoryString()).toBe('5504Mi');
    expect(Quantity.of(1000).toMemoryString()).toBe('1000');
  });

  test('compare and isGreaterThan order quantities', () => {
    const small = Quantity.literal('896Mi');
    const large = Quantity.literal('1Gi');
    expect(large.isGreaterThan(small)).toBe(true);
    expect(small.isGreaterThan(large)).toBe(false);
    expect(small.compare(large)).toBe(-1);
    expect(large.compare(large)).toBe(0);
  });
});
