"""Flight delays per US state and month, from the vega-datasets flights and airports files.

Reads the raw files the dataset loader put in the tenant's bucket, cleans them, joins each flight
to the state of its origin airport, aggregates per state and month, and writes Parquet back to the
bucket. Every output row is also printed as one "PIPELINE_RESULT <json>" line of the driver's log,
which `k3d/platform.sh pipeline` reads.

Usage: flight_delays.py <flights.json URI> <airports.csv URI> <output URI>

The rules (kept in step with reference.js, which computes the expected output from the same files):
- a flight is kept when its date parses as "yyyy/MM/dd HH:mm", its delay is a number and its origin
  is a three-character code; codes are trimmed and upper-cased;
- an airport is kept when its IATA code and its state are not empty;
- a flight whose origin is not a kept airport is dropped by the (inner) join;
- per state and month ("yyyy-MM" of the departure): flights, delayed_flights (delay over 15
  minutes, the US DOT's definition of a delayed flight), total_delay_minutes (the minutes late, early
  departures counting 0) and avg_delay_minutes (the mean delay, early departures negative).
"""
import json
import sys
import time

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

DELAYED_AFTER_MINUTES = 15
INPUT_WAIT_ATTEMPTS = 60
INPUT_WAIT_SECONDS = 10


def wait_for(spark, uris):
    """Waits until every input exists: the loader may still be uploading when the job starts."""
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    for attempt in range(1, INPUT_WAIT_ATTEMPTS + 1):
        missing = []
        for uri in uris:
            path = jvm.org.apache.hadoop.fs.Path(uri)
            if not path.getFileSystem(conf).exists(path):
                missing.append(uri)
        if not missing:
            return
        print(f"attempt {attempt}: waiting for {', '.join(missing)}", flush=True)
        time.sleep(INPUT_WAIT_SECONDS)
    raise SystemExit(f"inputs still missing after {INPUT_WAIT_ATTEMPTS * INPUT_WAIT_SECONDS}s: {', '.join(missing)}")


def main(argv):
    if len(argv) != 4:
        raise SystemExit("usage: flight_delays.py <flights.json URI> <airports.csv URI> <output URI>")
    flights_uri, airports_uri, output_uri = argv[1:]
    spark = SparkSession.builder.appName("flight-delays").getOrCreate()
    wait_for(spark, [flights_uri, airports_uri])

    flights = (
        spark.read.option("multiLine", True).json(flights_uri)
        .select(
            # try_to_timestamp: a date that does not parse is null, even with ANSI mode on (Spark 4 default).
            F.try_to_timestamp(F.col("date"), F.lit("yyyy/MM/dd HH:mm")).alias("departure"),
            F.col("delay").cast("double").alias("delay"),
            F.upper(F.trim(F.col("origin"))).alias("origin"),
        )
        .where(F.col("departure").isNotNull() & F.col("delay").isNotNull() & (F.length("origin") == 3))
    )
    airports = (
        spark.read.option("header", True).csv(airports_uri)
        .select(F.upper(F.trim(F.col("iata"))).alias("origin"), F.trim(F.col("state")).alias("state"))
        .where((F.length("origin") > 0) & (F.length("state") > 0))
        .dropDuplicates(["origin"])
    )
    result = (
        flights.join(F.broadcast(airports), "origin", "inner")
        .groupBy("state", F.date_format("departure", "yyyy-MM").alias("month"))
        .agg(
            F.count(F.lit(1)).alias("flights"),
            F.sum(F.when(F.col("delay") > DELAYED_AFTER_MINUTES, 1).otherwise(0)).alias("delayed_flights"),
            F.sum(F.greatest(F.col("delay"), F.lit(0.0))).alias("total_delay_minutes"),
            F.avg("delay").alias("avg_delay_minutes"),
        )
        .orderBy("state", "month")
    )
    result.coalesce(1).write.mode("overwrite").parquet(output_uri)

    rows = spark.read.parquet(output_uri).orderBy("state", "month").collect()
    for row in rows:
        print("PIPELINE_RESULT " + json.dumps(row.asDict(), sort_keys=True), flush=True)
    print(f"wrote {len(rows)} rows to {output_uri}", flush=True)
    spark.stop()


if __name__ == "__main__":
    main(sys.argv)
