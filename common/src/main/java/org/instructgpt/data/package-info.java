/**
 * Datasets in Parquet (schemas, readers, writers), validation with rejects and counts, group-stable splits, the
 * chat template, tokenized examples and padded batches.
 */
package org.instructgpt.data;
