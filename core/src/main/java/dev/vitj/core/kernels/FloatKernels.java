package dev.vitj.core.kernels;

/**
 * The memory-bound work of a transformer layer as fused single-pass kernels over one row of floats
 * ({@code float[]} with an offset). Each kernel reads its row once from memory and writes it once, where
 * the composed ND4J version makes one full pass (and usually one temporary array) per operation.
 *
 * <p>Two implementations: {@link Kernels#scalar()} (plain Java) and, when the JVM runs with
 * {@code --add-modules jdk.incubator.vector}, a Java Vector API version ({@link Kernels#best()}).
 * They compute the same formulas ({@link FastMath}); the unit tests hold both to the readable
 * {@code dev.vitj.core.nn} layers. Implementations are stateless and thread-safe.
 */
public interface FloatKernels {
    /** A short description, e.g. {@code "vector(256 bit)"} or {@code "scalar"}. */
    String name();

    /**
     * Softmax of one attention row in place: {@code x[i] = exp(s_i - m) / Σ exp(s_j - m)} with
     * {@code s_i = scale·x[i] + mask[maskOff + i]} over the first {@code valid} entries; entries
     * {@code valid..n-1} become 0 (a causal mask without the work). Additive {@code -∞} mask entries give
     * exactly 0; a row with no finite score becomes all zeros (as {@code core.nn.Softmax}).
     *
     * @param mask additive mask of at least {@code n} entries from {@code maskOff}, or null
     * @param valid how many leading entries take part, {@code 0 ≤ valid ≤ n}
     */
    void softmax(float[] x, int off, int n, int valid, float scale, float[] mask, int maskOff);

    /**
     * LayerNorm of one row: {@code y = (x - mean)/sqrt(var + eps)·gamma + beta}, population variance
     * (two passes, so no cancellation). {@code y} may be {@code x} (in place).
     */
    void layerNorm(float[] x, int xOff, float[] y, int yOff, int n, float[] gamma, float[] beta, float eps);

    /** {@code x[i] = act(x[i] + bias[biasOff + i])} in place; {@code bias} may be null. */
    void biasAct(float[] x, int off, int n, float[] bias, int biasOff, Act act);

    /** Residual add {@code x[i] += y[i]}. */
    void add(float[] x, int xOff, float[] y, int yOff, int n);

    /** {@code x[i] = exp(x[i])} ({@link FastMath#exp}); exposed for tests and reuse. */
    void exp(float[] x, int off, int n);

    /** The row granularity of {@link #matmul}: {@code m} must be a multiple of it (6 for the vector kernels, 1 for scalar). */
    int matmulRows();

    /**
     * The column granularity of {@link #matmul}: {@code n} must be a multiple of it (16 with 256-bit vectors,
     * 32 with 512-bit ones, 1 for the scalar kernels). Callers pad their operands with zeros.
     */
    int matmulColumns();

    /**
     * A small matrix product for cache-resident operands (one attention head): {@code C[m×n] = A[m×k]·B[k×n]},
     * all row-major with the given row strides; {@code m} a multiple of {@link #matmulRows()} and {@code n} of
     * {@link #matmulColumns()}. The vector version keeps a 6×{@code matmulColumns()} block of C in twelve
     * registers and streams A and B through it.
     */
    void matmul(float[] a, int lda, float[] b, int ldb, float[] c, int ldc, int m, int n, int k);
}
