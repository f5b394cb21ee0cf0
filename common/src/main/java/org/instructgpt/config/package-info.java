/** Typesafe Config (HOCON) loading: reference defaults, config files and --set overrides. */
package org.instructgpt.config;
