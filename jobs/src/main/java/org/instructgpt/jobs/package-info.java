/** The command line: one picocli command with a subcommand per stage; each parses config, opens Spark and calls the library. */
package org.instructgpt.jobs;
