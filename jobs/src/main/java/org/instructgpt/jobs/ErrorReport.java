package org.instructgpt.jobs;

import picocli.CommandLine;

import java.io.PrintWriter;

/**
 * How a failed command ends: one line naming what went wrong (the innermost cause that says something, first line
 * only, so a failure inside a Spark task reads the same as one on the driver) and exit code 1; the stack trace only
 * with {@code --verbose}.
 */
final class ErrorReport implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        if (isVerbose(parsed)) {
            e.printStackTrace(err);
        }
        err.println(cl.getCommandSpec().qualifiedName() + ": " + message(e)
                + (isVerbose(parsed) ? "" : " (--verbose shows the stack trace)"));
        err.flush();
        return 1;
    }

    private static boolean isVerbose(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    /** The innermost cause's first line that says something, or the exception's type where none does. */
    static String message(Throwable e) {
        String best = null;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage();
            if (m != null && !m.isBlank()) {
                best = firstLine(m);
                if (t instanceof NullPointerException || t instanceof ClassCastException
                        || t instanceof ArrayIndexOutOfBoundsException) {
                    best = t.getClass().getSimpleName() + ": " + best;
                }
            } else if (best == null) {
                best = t.getClass().getName();
            }
        }
        return best;
    }

    private static String firstLine(String m) {
        String line = m.strip().lines().findFirst().orElse(m);
        // A Spark job failure quotes its task's exception after the stage summary; keep the exception's message.
        int at = line.indexOf("most recent failure: ");
        if (at >= 0) {
            int colon = line.indexOf(": ", line.indexOf("):", at) + 2);
            line = colon > 0 ? line.substring(colon + 2) : line;
        }
        return line;
    }
}
