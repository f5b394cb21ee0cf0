/** Benchmarks: model throughput, the Spark trainer against plain training, and time to loss against DL4J's own trainer. */
package org.instructgpt.bench;
