/** Estimates with 95% intervals: Wilson's for independent trials, a cluster bootstrap for correlated ones. */
package org.instructgpt.stats;
