/** Seed derivation and seeded shuffles, so every random choice flows from the config's seed. */
package org.instructgpt.util;
