package dev.vitj.core.kernels;

/**
 * Chooses the {@link FloatKernels} implementation at run time.
 *
 * <p>The Vector API of JDK 17 is an incubator module: it is only visible when the JVM was started with
 * {@code --add-modules jdk.incubator.vector} (the {@code ./vitj} launcher, the Maven test runs and the JMH
 * forks pass it). Without it, {@link #best()} returns the scalar kernels; nothing else changes. The
 * system property {@code vitj.kernels=scalar} forces the scalar kernels (for comparisons).
 */
public final class Kernels {
    private Kernels() {}

    private static final FloatKernels BEST = choose();

    /** The plain-Java kernels (always available). */
    public static FloatKernels scalar() {
        return ScalarKernels.INSTANCE;
    }

    /** The Vector API kernels, or null when the JVM does not have the {@code jdk.incubator.vector} module. */
    public static FloatKernels vector() {
        if (!vectorModulePresent()) {
            return null;
        }
        try {
            // Loaded by name so that this class never links against the incubator module.
            return (FloatKernels) Class.forName("dev.vitj.core.kernels.VectorKernels")
                    .getDeclaredField("INSTANCE").get(null);
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }

    /** The fastest kernels this JVM can run. */
    public static FloatKernels best() {
        return BEST;
    }

    /** Whether the JVM was started with {@code --add-modules jdk.incubator.vector}. */
    public static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    private static FloatKernels choose() {
        if ("scalar".equalsIgnoreCase(System.getProperty("vitj.kernels", ""))) {
            return scalar();
        }
        FloatKernels v = vector();
        return v != null ? v : scalar();
    }

    // ---- argument checks shared by the implementations ----

    static void checkRange(String who, float[] a, int off, int n) {
        if (a == null) {
            throw new IllegalArgumentException(who + ": array is null");
        }
        if (off < 0 || n < 0 || off > a.length - n) {
            throw new IllegalArgumentException(who + ": range [" + off + ", " + off + " + " + n
                    + ") is outside an array of length " + a.length);
        }
    }

    static void checkSoftmax(float[] x, int off, int n, int valid, float[] mask, int maskOff) {
        checkRange("softmax", x, off, n);
        if (valid < 0 || valid > n) {
            throw new IllegalArgumentException("softmax: valid = " + valid + ", expected 0.." + n);
        }
        if (mask != null) {
            checkRange("softmax mask", mask, maskOff, n);
        }
    }

    static void checkMatmul(float[] a, int lda, float[] b, int ldb, float[] c, int ldc, int m, int n, int k, int rows,
                            int columns) {
        if (m <= 0 || n <= 0 || k <= 0 || m % rows != 0 || n % columns != 0) {
            throw new IllegalArgumentException("matmul: m = " + m + ", n = " + n + ", k = " + k
                    + ": all must be positive, m a multiple of " + rows + " and n a multiple of " + columns);
        }
        if (lda < k || ldb < n || ldc < n || a == null || b == null || c == null
                || (long) (m - 1) * lda + k > a.length || (long) (k - 1) * ldb + n > b.length
                || (long) (m - 1) * ldc + n > c.length) {
            throw new IllegalArgumentException("matmul: a " + m + "x" + k + " (stride " + lda + "), b " + k + "x" + n
                    + " (stride " + ldb + ") or c " + m + "x" + n + " (stride " + ldc + ") does not fit its array");
        }
    }

    static void checkLayerNorm(float[] x, int xOff, float[] y, int yOff, int n, float[] gamma, float[] beta) {
        if (n <= 0) {
            throw new IllegalArgumentException("layerNorm: row length must be positive, got " + n);
        }
        checkRange("layerNorm x", x, xOff, n);
        checkRange("layerNorm y", y, yOff, n);
        if (gamma == null || beta == null || gamma.length < n || beta.length < n) {
            throw new IllegalArgumentException("layerNorm: gamma and beta need " + n + " entries, got "
                    + (gamma == null ? "null" : gamma.length) + " and " + (beta == null ? "null" : beta.length));
        }
    }
}
