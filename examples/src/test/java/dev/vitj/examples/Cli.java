package dev.vitj.examples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code vitj} command line run in this JVM for tests, with what it prints captured. */
final class Cli {
    private Cli() {}

    /** Exit code, standard output and standard error of one command line. */
    record Result(int code, String out, String err) {}

    /** Runs {@code vitj argv...} through {@link Main#run}. */
    static Result vitj(String... argv) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Main.run(argv);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** A usage error: exit code 2 and one line on standard error that mentions {@code part}. */
    static void assertUsageError(Result r, String part) {
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(part), "stderr should mention '" + part + "': " + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line expected: " + r.err());
    }
}
