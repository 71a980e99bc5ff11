package dev.vitj.core.fast;

/**
 * Single-precision matrix product on {@link NativeBuffer}s, row-major, in the BLAS {@code sgemm} form
 * {@code C = alpha·op(A)·op(B) + beta·C} with leading dimensions: an operand is any strided sub-matrix
 * of a buffer, so one head's queries inside the fused {@code qkv} output ({@code lda = 3D}) or one head's
 * slot in the merged context ({@code ldc = D}) are used in place, with no split or merge copies.
 *
 * <p>{@link #best()} is {@link OpenBlasGemm} (OpenBLAS's {@code cblas_sgemm}, called directly: the same
 * BLAS that nd4j-native uses, without ND4J's per-op overhead) when the ND4J CPU backend is loaded, else
 * {@link Nd4jGemm} (ND4J's matrix product on array views; slower, for other backends and as a cross-check).
 * {@link OpenBlasGemm} may be called from several threads at once; {@link Nd4jGemm} from one at a time.
 */
public interface Gemm {
    /** A short description. */
    String name();

    /**
     * {@code C[m×n] = alpha·op(A)·op(B) + beta·C}. {@code op(A)} is {@code m×k}: A is stored {@code m×k}
     * (or {@code k×m} when {@code transA}) from float {@code aOff} with row stride {@code lda}; likewise B
     * ({@code k×n}, or {@code n×k} when {@code transB}) and C ({@code m×n}, row stride {@code ldc}). With
     * {@code beta = 0} the old contents of C are ignored (NaN included).
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
              NativeBuffer a, int aOff, int lda, NativeBuffer b, int bOff, int ldb,
              float beta, NativeBuffer c, int cOff, int ldc);

    /**
     * Whether calls made between {@link #beginSerial()} and {@link #endSerial()} each run on their calling
     * thread alone and may come from several threads at once: then {@link FastOps} splits large products
     * across its own thread team (so the library's own threads do not spin beside the Java kernels).
     */
    default boolean splittable() {
        return false;
    }

    /**
     * Until the matching {@link #endSerial()}, every call (from any thread) runs on the calling thread only.
     * Sections nest and may overlap across threads; a no-op where {@link #splittable()} is false.
     */
    default void beginSerial() {}

    /** Leaves the section opened by {@link #beginSerial()}; the last one out restores the library's own threading. */
    default void endSerial() {}

    /**
     * The fastest implementation available: OpenBLAS when present, else ND4J. The system property
     * {@code vitj.gemm=nd4j} forces the ND4J one.
     */
    static Gemm best() {
        if (!"nd4j".equalsIgnoreCase(System.getProperty("vitj.gemm", ""))) {
            Gemm g = OpenBlasGemm.create();
            if (g != null) {
                return g;
            }
        }
        return new Nd4jGemm();
    }

    /** Throws unless every operand region lies inside its buffer. */
    static void check(String who, boolean transA, boolean transB, int m, int n, int k, NativeBuffer a, int aOff, int lda,
                      NativeBuffer b, int bOff, int ldb, NativeBuffer c, int cOff, int ldc) {
        if (m <= 0 || n <= 0 || k <= 0) {
            throw new IllegalArgumentException(who + ": sizes must be positive, got m=" + m + ", n=" + n + ", k=" + k);
        }
        region(who + " A", a, aOff, transA ? k : m, transA ? m : k, lda);
        region(who + " B", b, bOff, transB ? n : k, transB ? k : n, ldb);
        region(who + " C", c, cOff, m, n, ldc);
    }

    private static void region(String who, NativeBuffer buf, int off, int rows, int cols, int ld) {
        if (buf == null) {
            throw new IllegalArgumentException(who + ": buffer is null");
        }
        if (ld < cols || off < 0 || (long) off + (long) (rows - 1) * ld + cols > buf.length()) {
            throw new IllegalArgumentException(who + ": a " + rows + "x" + cols + " matrix at offset " + off
                    + " with row stride " + ld + " does not fit a buffer of " + buf.length() + " floats");
        }
    }
}
