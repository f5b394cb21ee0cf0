/**
 * Files: safetensors reading and writing with strict bounds checks, Hugging Face checkpoint directories, atomic
 * checkpoint directories verified by a manifest, provenance, and Hadoop {@code FileSystem} helpers.
 */
package org.instructgpt.io;
