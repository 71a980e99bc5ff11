package dev.vitj.core.fast;

import dev.vitj.core.kernels.Act;
import dev.vitj.core.kernels.FloatKernels;
import dev.vitj.core.kernels.Kernels;

/**
 * The fused kernels of {@link FloatKernels} applied to matrices in {@link NativeBuffer}s, rows split across
 * a {@link Workers} team, plus the {@link Gemm} to use with them: everything the fast encoders need from
 * one object. Each row is copied into a per-thread scratch row (an L1-sized bulk copy), processed, and
 * copied back, so the kernels work on plain {@code float[]} and no buffer is allocated per call.
 *
 * <p>The row operations are synchronised: the per-thread scratch rows are shared by every caller of one
 * instance (the GEMM is not; its operands belong to the calling encoder).
 */
public final class FastOps {
    /** Rows per chunk are chosen so that one chunk has at least this many floats (smaller work stays on one thread). */
    private static final int MIN_FLOATS_PER_CHUNK = 8192;

    private final FloatKernels kernels;
    private final Gemm gemm;
    private final Workers workers;
    private float[][] scratchA;
    private float[][] scratchB;

    /**
     * @param kernels the row kernels ({@link Kernels#best()})
     * @param gemm    the matrix product ({@link Gemm#best()})
     * @param threads threads for the row kernels (the caller included); BLAS has its own setting
     */
    public FastOps(FloatKernels kernels, Gemm gemm, int threads) {
        if (kernels == null || gemm == null) {
            throw new IllegalArgumentException("FastOps: kernels and gemm must not be null");
        }
        NativeBuffer.requireCpuBackend();
        this.kernels = kernels;
        this.gemm = gemm;
        this.workers = Workers.shared(threads);
        this.scratchA = new float[threads][0];
        this.scratchB = new float[threads][0];
    }

    /** Best kernels, best GEMM, one thread per core. */
    public static FastOps defaults() {
        return new FastOps(Kernels.best(), Gemm.best(), Workers.defaultThreads());
    }

    public FloatKernels kernels() {
        return kernels;
    }

    public Gemm gemm() {
        return gemm;
    }

    /** Threads used by the row kernels. */
    public int threads() {
        return workers.threads();
    }

    /** A description such as {@code "kernels vector(256 bit), gemm openblas, 2 threads"}. */
    public String describe() {
        return "kernels " + kernels.name() + ", gemm " + gemm.name() + ", " + threads() + " threads";
    }

    private void ensureScratch(int cols) {
        if (scratchA[0].length < cols) {
            for (int i = 0; i < scratchA.length; i++) {
                scratchA[i] = new float[cols];
                scratchB[i] = new float[cols];
            }
        }
    }

    private static int minRows(int cols) {
        return Math.max(1, MIN_FLOATS_PER_CHUNK / Math.max(1, cols));
    }

    private static void checkRows(String who, NativeBuffer buf, int off, int rows, int cols, int ld) {
        if (buf == null) {
            throw new IllegalArgumentException(who + ": buffer is null");
        }
        if (rows < 0 || cols <= 0 || ld < cols || off < 0
                || (rows > 0 && (long) off + (long) (rows - 1) * ld + cols > buf.length())) {
            throw new IllegalArgumentException(who + ": " + rows + " rows of " + cols + " (stride " + ld
                    + ") at offset " + off + " do not fit a buffer of " + buf.length() + " floats");
        }
    }

    /** Work on a range of rows with a scratch row of at least the requested length (this thread's own). */
    @FunctionalInterface
    public interface RowTask {
        void run(int worker, int from, int to, float[] scratch);
    }

    /**
     * Runs {@code task} over rows {@code 0..rows-1} split across the threads, each chunk with its own scratch
     * array of at least {@code cols} floats (for custom row work such as im2col).
     */
    public synchronized void rows(int rows, int cols, RowTask task) {
        ensureScratch(cols);
        workers.forRange(rows, minRows(cols), (w, from, to) -> task.run(w, from, to, scratchA[w]));
    }

    /** The matrix product (see {@link Gemm#gemm}). */
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     NativeBuffer a, int aOff, int lda, NativeBuffer b, int bOff, int ldb,
                     float beta, NativeBuffer c, int cOff, int ldc) {
        gemm.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /**
     * LayerNorm of {@code rows} rows of {@code dim} floats (contiguous) from {@code in} into {@code out}
     * ({@code out} may be {@code in} with the same offset).
     */
    public synchronized void layerNorm(NativeBuffer in, int inOff, NativeBuffer out, int outOff, int rows, int dim,
                          float[] gamma, float[] beta, float eps) {
        checkRows("layerNorm in", in, inOff, rows, dim, dim);
        checkRows("layerNorm out", out, outOff, rows, dim, dim);
        ensureScratch(dim);
        workers.forRange(rows, minRows(dim), (w, from, to) -> {
            float[] row = scratchA[w];
            for (int r = from; r < to; r++) {
                in.get(inOff + r * dim, row, 0, dim);
                kernels.layerNorm(row, 0, row, 0, dim, gamma, beta, eps);
                out.put(outOff + r * dim, row, 0, dim);
            }
        });
    }

    /**
     * {@code x = act(x + bias)} on {@code rows} rows of {@code cols} floats with row stride {@code ld};
     * {@code bias} ({@code cols} entries) may be null.
     */
    public synchronized void biasAct(NativeBuffer x, int off, int rows, int cols, int ld, float[] bias, Act act) {
        checkRows("biasAct", x, off, rows, cols, ld);
        ensureScratch(cols);
        workers.forRange(rows, minRows(cols), (w, from, to) -> {
            float[] row = scratchA[w];
            for (int r = from; r < to; r++) {
                int at = off + r * ld;
                x.get(at, row, 0, cols);
                kernels.biasAct(row, 0, cols, bias, 0, act);
                x.put(at, row, 0, cols);
            }
        });
    }

    /**
     * Adds row {@code r % period} of {@code table} ({@code [period, cols]}) to row {@code r} of the
     * {@code rows × cols} matrix at {@code off}: a position embedding over a batch of sequences.
     */
    public synchronized void addTable(NativeBuffer x, int off, int rows, int cols, float[] table, int period) {
        checkRows("addTable", x, off, rows, cols, cols);
        if (period <= 0 || table == null || table.length < (long) period * cols) {
            throw new IllegalArgumentException("addTable: table needs " + period + " rows of " + cols + " floats");
        }
        ensureScratch(cols);
        workers.forRange(rows, minRows(cols), (w, from, to) -> {
            float[] row = scratchA[w];
            for (int r = from; r < to; r++) {
                int at = off + r * cols;
                x.get(at, row, 0, cols);
                kernels.add(row, 0, table, (r % period) * cols, cols);
                x.put(at, row, 0, cols);
            }
        });
    }

    /**
     * Softmax of attention rows in place: {@code rows} rows of {@code n} floats (contiguous), made of
     * square blocks of {@code n} query rows (one block per head), each row
     * {@code softmax(scale·s + mask[query])}; with {@code causal}, query {@code i} of a block keeps keys
     * {@code 0..i} only and the rest become 0.
     *
     * @param mask additive {@code [n, n]} (query, key) mask, or null
     */
    public synchronized void softmax(NativeBuffer x, int off, int rows, int n, float scale, boolean causal, float[] mask) {
        checkRows("softmax", x, off, rows, n, n);
        if (mask != null && mask.length < (long) n * n) {
            throw new IllegalArgumentException("softmax: mask needs " + n + "x" + n + " entries, got " + mask.length);
        }
        ensureScratch(n);
        workers.forRange(rows, minRows(n), (w, from, to) -> {
            float[] row = scratchA[w];
            for (int r = from; r < to; r++) {
                int query = r % n;
                int at = off + r * n;
                x.get(at, row, 0, n);
                kernels.softmax(row, 0, n, causal ? query + 1 : n, scale, mask, mask == null ? 0 : query * n);
                x.put(at, row, 0, n);
            }
        });
    }

    /** {@code -Dvitj.attention=blas} sends the attention products to BLAS even with the vector kernels (for comparisons). */
    private static final boolean BLAS_ATTENTION = "blas".equalsIgnoreCase(System.getProperty("vitj.attention", ""));

    /**
     * Whether {@link #attention} is used: the kernels have a register-blocked {@code matmul} (the vector
     * kernels) and {@code vitj.attention=blas} is not set. Otherwise the attention products go to BLAS one
     * head at a time.
     */
    public boolean fusedAttention() {
        return kernels.matmulColumns() > 1 && !BLAS_ATTENTION;
    }

    /**
     * Scaled dot-product attention of every head of one sequence, the heads split across the threads (one
     * head = one task, no BLAS call). Head {@code h} reads its {@code [n, hd]} query, key and value column
     * blocks from the fused projection ({@code qkv} rows of stride {@code 3·heads·hd} from {@code qkvOff},
     * columns {@code h·hd}, {@code D + h·hd}, {@code 2D + h·hd}), computes
     * {@code P = softmax(scale·q kᵀ)} (keys {@code 0..i} only for query {@code i} when {@code causal}) and
     * writes {@code P v} into its columns {@code h·hd..} of the context rows (stride {@code ctxLd} from
     * {@code ctxOff}). When {@code probs} is not null, P is also stored there as {@code [heads, n, n]} from
     * {@code probsOff}. Operands are copied into per-thread, zero-padded scratch (a head is ~150 KB for
     * ViT-B/16: it stays in the core's L2 cache).
     */
    public synchronized void attention(NativeBuffer qkv, int qkvOff, int n, int heads, int hd, float scale, boolean causal,
                                       NativeBuffer ctx, int ctxOff, int ctxLd, NativeBuffer probs, int probsOff) {
        if (!fusedAttention()) {
            throw new IllegalStateException("FastOps.attention needs the vector kernels (see fusedAttention())");
        }
        int d = heads * hd;
        checkRows("attention qkv", qkv, qkvOff, n, 3 * d, 3 * d);
        checkRows("attention ctx", ctx, ctxOff, n, d, ctxLd);
        if (probs != null) {
            checkRows("attention probs", probs, probsOff, heads * n, n, n);
        }
        ensureAttentionScratch(n, hd);
        workers.forRange(heads, 1, (w, from, to) -> {
            HeadScratch hs = heads()[w];
            for (int h = from; h < to; h++) {
                head(hs, qkv, qkvOff, n, d, h, hd, scale, causal, ctx, ctxOff, ctxLd, probs, probsOff);
            }
        });
    }

    private void head(HeadScratch hs, NativeBuffer qkv, int qkvOff, int n, int d, int h, int hd, float scale,
                      boolean causal, NativeBuffer ctx, int ctxOff, int ctxLd, NativeBuffer probs, int probsOff) {
        int np = hs.np;
        int hdp = hs.hdp;
        int ld = 3 * d;
        float[] k = hs.k;
        for (int i = 0; i < n; i++) {
            int at = qkvOff + i * ld + h * hd;
            qkv.get(at, hs.q, i * hdp, hd); // q row i
            qkv.get(at + d, k, i * hd, hd); // k row i
            qkv.get(at + 2 * d, hs.v, i * hdp, hd); // v row i
        }
        // kt = kᵀ, written row by row (sequential stores; the strided reads stay in L1)
        for (int c = 0; c < hd; c++) {
            int to = c * np;
            for (int i = 0; i < n; i++) {
                hs.kt[to + i] = k[i * hd + c];
            }
        }
        // scores [mp, np] = q [mp, hdp] · kt [hdp, np]; the zero padding gives zero scores outside [n, n]
        kernels.matmul(hs.q, hdp, hs.kt, np, hs.s, np, hs.mp, np, hdp);
        for (int i = 0; i < n; i++) {
            kernels.softmax(hs.s, i * np, n, causal ? i + 1 : n, scale, null, 0);
            if (probs != null) {
                probs.put(probsOff + (h * n + i) * n, hs.s, i * np, n);
            }
        }
        // out [mp, hdp] = p [mp, np] · v [np, hdp]
        kernels.matmul(hs.s, np, hs.v, hdp, hs.o, hdp, hs.mp, hdp, np);
        for (int i = 0; i < n; i++) {
            ctx.put(ctxOff + i * ctxLd + h * hd, hs.o, i * hdp, hd);
        }
    }

    /** One thread's zero-padded operands of one head: sizes rounded up to the matmul's blocks. */
    private static final class HeadScratch {
        final int n;
        final int hd;
        final int mp;
        final int np;
        final int hdp;
        final float[] q; // [mp, hdp]
        final float[] kt; // [hdp, np]
        final float[] v; // [np, hdp]
        final float[] s; // [mp, np]
        final float[] o; // [mp, hdp]
        final float[] k; // [n, hd], before the transpose

        HeadScratch(int n, int hd, int rows, int columns) {
            this.n = n;
            this.hd = hd;
            this.mp = roundUp(n, rows);
            this.np = roundUp(n, columns);
            this.hdp = roundUp(hd, columns);
            this.q = new float[mp * hdp];
            this.kt = new float[hdp * np];
            this.v = new float[np * hdp];
            this.s = new float[mp * np];
            this.o = new float[mp * hdp];
            this.k = new float[n * hd];
        }

        private static int roundUp(int x, int m) {
            return (x + m - 1) / m * m;
        }
    }

    private HeadScratch[] headScratch;

    private HeadScratch[] heads() {
        return headScratch;
    }

    /** (Re)allocates the per-thread head scratch when the sequence length or head width changes (zeroed padding). */
    private void ensureAttentionScratch(int n, int hd) {
        if (headScratch == null || headScratch[0].n != n || headScratch[0].hd != hd) {
            HeadScratch[] all = new HeadScratch[scratchA.length];
            for (int i = 0; i < all.length; i++) {
                all[i] = new HeadScratch(n, hd, kernels.matmulRows(), kernels.matmulColumns());
            }
            headScratch = all;
        }
    }

    /**
     * Mean of {@code count} consecutive rows per group: for each of {@code groups} groups, rows
     * {@code first..first+count-1} of the group's {@code rowsPerGroup} rows ({@code cols} floats each,
     * contiguous) are averaged into row {@code g} of {@code out}.
     */
    public synchronized void meanRows(NativeBuffer in, int inOff, int groups, int rowsPerGroup, int first, int count, int cols,
                         NativeBuffer out, int outOff) {
        checkRows("meanRows in", in, inOff, groups * rowsPerGroup, cols, cols);
        checkRows("meanRows out", out, outOff, groups, cols, cols);
        if (first < 0 || count <= 0 || first + count > rowsPerGroup) {
            throw new IllegalArgumentException("meanRows: rows " + first + ".." + (first + count - 1)
                    + " are outside groups of " + rowsPerGroup);
        }
        ensureScratch(cols);
        workers.forRange(groups, 1, (w, from, to) -> {
            float[] acc = scratchA[w];
            float[] row = scratchB[w];
            for (int g = from; g < to; g++) {
                java.util.Arrays.fill(acc, 0, cols, 0f);
                for (int r = 0; r < count; r++) {
                    in.get(inOff + (g * rowsPerGroup + first + r) * cols, row, 0, cols);
                    kernels.add(acc, 0, row, 0, cols);
                }
                float inv = 1f / count;
                for (int c = 0; c < cols; c++) {
                    acc[c] *= inv;
                }
                out.put(outOff + g * cols, acc, 0, cols);
            }
        });
    }
}
