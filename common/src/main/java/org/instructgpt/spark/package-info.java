/** Spark sessions and the Kryo registrator. */
package org.instructgpt.spark;
