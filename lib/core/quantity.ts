/**
 * Resource quantities: Kubernetes quantities (`500m`, `8Gi`, `1.5`, `1e3`) and Spark memory strings
 * (`512m`, `2g`), parsed into one exact form so that they can be added and compared.
 *
 * Values are held as whole milli-units (millicores for CPU, millibytes for memory), which is the
 * finest precision Kubernetes keeps for the quantities a quota counts, so sums and comparisons are
 * exact integers.
 *
 * @see https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
 */

const DECIMAL_SUFFIXES: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};
const BINARY_SUFFIXES: Record<string, number> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
const SPARK_SUFFIXES: Record<string, number> = {
  b: 1, k: 2 ** 10, kb: 2 ** 10, m: 2 ** 20, mb: 2 ** 20, g: 2 ** 30, gb: 2 ** 30,
  t: 2 ** 40, tb: 2 ** 40, p: 2 ** 50, pb: 2 ** 50,
};

const K8S_QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;
const SPARK_MEMORY = /^(\d+)([a-zA-Z]*)$/;

/** Where a parser records the problem with a value it could not read (for example `Problems.add`). */
export type Report = (problem: string) => void;

/** A non-negative resource amount, exact to a thousandth of its unit. */
export class Quantity {
  /**
   * Parses a Kubernetes quantity such as `500m`, `1.5`, `8Gi` or `1e3`; records the problem and
   * returns undefined when the value is not one.
   *
   * @param value the quantity; a number is taken as whole units
   * @param what names the value in problems, for example `quota.requestsMemory`
   * @param report receives the problem
   */
  public static parse(value: string | number, what: string, report: Report): Quantity | undefined {
    const text = typeof value === 'number' ? String(value) : value.trim();
    const match = K8S_QUANTITY.exec(text);
    if (!match) {
      report(`${what} "${value}" is not a Kubernetes quantity: use a number with an optional suffix, for example "500m", "2", "1.5" or "8Gi"${suggestK8s(text)}`);
      return undefined;
    }
    const [, sign, digits, exponent, suffix] = match;
    if (sign === '-') {
      report(`${what} "${value}" is negative: resource amounts must be zero or more`);
      return undefined;
    }
    const multiplier = exponent !== undefined
      ? 10 ** Number(exponent.slice(1))
      : suffix !== undefined && suffix in BINARY_SUFFIXES ? BINARY_SUFFIXES[suffix] : DECIMAL_SUFFIXES[suffix ?? ''];
    return new Quantity(toMillis(Number(digits) * multiplier));
  }

  /**
   * Parses a Spark memory string as Spark reads `spark.driver.memory` and friends: a whole number
   * with an optional binary suffix `k`, `m`, `g`, `t` or `p` (case-insensitive, `b` for bytes), and
   * MiB when there is no suffix. Spark's `512m` is 512 MiB, not Kubernetes' half a byte.
   *
   * @param value the memory string, for example `512m` or `4g`
   * @param what names the value in problems, for example `driver.memory`
   * @param report receives the problem when the value is not a Spark memory size
   */
  public static parseSparkMemory(value: string, what: string, report: Report): Quantity | undefined {
    const text = value.trim();
    const match = SPARK_MEMORY.exec(text);
    const unit = match?.[2].toLowerCase() ?? '';
    if (!match || (unit !== '' && !(unit in SPARK_SUFFIXES))) {
      report(`${what} "${value}" is not a Spark memory size: use a whole number with a suffix k, m, g or t, for example "512m" or "4g"${suggestSpark(text)}`);
      return undefined;
    }
    const bytes = Number(match[1]) * (unit === '' ? SPARK_SUFFIXES.m : SPARK_SUFFIXES[unit]);
    return new Quantity(toMillis(bytes));
  }

  /**
   * A quantity written in the code, such as a default: `Quantity.literal('8Gi')`. A literal that is
   * not a quantity is a mistake in the code, not in the input, and throws.
   */
  public static literal(value: string | number): Quantity {
    const parsed = Quantity.parse(value, 'literal', (problem) => {
      throw new Error(problem);
    });
    return parsed!;
  }

  /** A quantity of whole units (cores, bytes, pods). */
  public static of(units: number): Quantity {
    return new Quantity(toMillis(units));
  }

  /** A quantity of mebibytes. */
  public static mebibytes(mib: number): Quantity {
    return new Quantity(toMillis(mib * 2 ** 20));
  }

  /** The zero quantity. */
  public static readonly ZERO = new Quantity(0);

  private constructor(
    /** The amount in thousandths of the unit. */
    public readonly millis: number,
  ) {}

  /** The amount in whole units (cores or bytes); may be fractional. */
  public get units(): number {
    return this.millis / 1000;
  }

  /** The amount in MiB, rounded down, as Spark counts memory. */
  public get mebibytes(): number {
    return Math.floor(this.millis / 1000 / 2 ** 20);
  }

  public plus(other: Quantity): Quantity {
    return new Quantity(this.millis + other.millis);
  }

  public minus(other: Quantity): Quantity {
    return new Quantity(this.millis - other.millis);
  }

  public times(factor: number): Quantity {
    return new Quantity(Math.round(this.millis * factor));
  }

  public compare(other: Quantity): number {
    return Math.sign(this.millis - other.millis);
  }

  public isGreaterThan(other: Quantity): boolean {
    return this.millis > other.millis;
  }

  public equals(other: Quantity): boolean {
    return this.millis === other.millis;
  }

  /** Prints a CPU amount the way `kubectl` does: `4`, `1500m`. */
  public toCpuString(): string {
    return this.millis % 1000 === 0 ? String(this.millis / 1000) : `${this.millis}m`;
  }

  /**
   * Prints a memory amount exactly, with the largest binary suffix that divides it (`8Gi`, `2688Mi`);
   * amounts that are not whole KiB print as bytes.
   */
  public toMemoryString(): string {
    const bytes = this.millis / 1000;
    for (const suffix of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki']) {
      const amount = bytes / BINARY_SUFFIXES[suffix];
      if (amount !== 0 && Number.isInteger(amount)) {
        return `${amount}${suffix}`;
      }
    }
    return String(Number.isInteger(bytes) ? bytes : `${this.millis}m`);
  }
}

function toMillis(units: number): number {
  // Kubernetes rounds sub-milli amounts up; the epsilon keeps 0.1 + 0.2 style float noise out.
  return Math.ceil(units * 1000 - 1e-6);
}

function suggestK8s(text: string): string {
  const lower = /^(\d+(?:\.\d+)?)\s*([kmgtpe])i?b?$/i.exec(text);
  if (lower && !K8S_QUANTITY.test(text)) {
    return `; did you mean "${lower[1]}${lower[2].toUpperCase()}i"?`;
  }
  return '';
}

function suggestSpark(text: string): string {
  const k8s = /^(\d+)([KMGTP])i$/.exec(text);
  if (k8s) {
    return `; did you mean "${k8s[1]}${k8s[2].toLowerCase()}"?`;
  }
  return '';
}
