package dev.vitj.core.fast;

import dev.vitj.core.kernels.Act;
import dev.vitj.core.kernels.FloatKernels;
import dev.vitj.core.kernels.Kernels;

/**
 * The fused kernels of {@link FloatKernels} applied to matrices in {@link NativeBuffer}s, rows split across
 * a {@link Workers} team, plus the {@link Gemm} to use with them: everything the fast encoders need from
 * one object. Each row is copied into a per-thread scratch row (an L1-sized bulk copy), processed, and
 * copied back, so the kernels work on plain {@code float[]} and no buffer is allocated per call. Matrix
 * products are split across the same threads (see {@link #gemm(boolean, boolean, int, int, int, float,
 * NativeBuffer, int, int, NativeBuffer, int, int, float, NativeBuffer, int, int, float[], Act)}), so one team
 * of {@link #threads()} threads does all the work and idles (parked) in between.
 *
 * <p>The operations are synchronised: the per-thread scratch rows are shared by every caller of one instance.
 */
public final class FastOps {
    /** Rows per chunk are chosen so that one chunk has at least this many floats (smaller work stays on one thread). */
    private static final int MIN_FLOATS_PER_CHUNK = 8192;
    /** A product is split across threads only into blocks of at least this many multiply-adds (~15 µs of work). */
    private static final long MIN_MACS_PER_CHUNK = 1L << 20;
    /** Column granularity of a split product: a multiple of BLAS's register blocks. */
    private static final int SPLIT_COLUMNS = 16;

    private final FloatKernels kernels;
    private final Gemm gemm;
    private final Workers workers;
    private final AttentionProducts attention;
    private float[][] scratchA;
    private float[][] scratchB;

    /** How {@link #attention} computes each head's two products ({@code q kᵀ} and {@code P v}). */
    public enum AttentionProducts {
        /** The kernels' register-blocked {@code matmul} on cache-resident copies, the softmax in between (vector kernels only). */
        JAVA,
        /** Two single-threaded BLAS calls per head on strided views of {@code qkv}, the fused softmax on the scores. */
        BLAS;

        /**
         * The default for {@code kernels}: {@code -Dvitj.attention=java|blas} when set (and possible), else
         * {@link #BLAS}, the faster one on the machines measured (see the README's performance section).
         */
        public static AttentionProducts defaultFor(FloatKernels kernels) {
            String p = System.getProperty("vitj.attention", "");
            boolean javaPossible = kernels.matmulColumns() > 1;
            if ("java".equalsIgnoreCase(p) && javaPossible) {
                return JAVA;
            }
            return BLAS;
        }
    }

    /**
     * @param kernels the row kernels ({@link Kernels#best()})
     * @param gemm    the matrix product ({@link Gemm#best()})
     * @param threads threads for the kernels and, with a {@link Gemm#splittable() splittable} GEMM, the matrix
     *                products (the caller included); an unsplittable GEMM keeps its own thread setting
     */
    public FastOps(FloatKernels kernels, Gemm gemm, int threads) {
        this(kernels, gemm, threads, kernels == null ? AttentionProducts.BLAS : AttentionProducts.defaultFor(kernels));
    }

    /**
     * As {@link #FastOps(FloatKernels, Gemm, int)} with the attention products chosen ({@link AttentionProducts#JAVA}
     * needs kernels with a register-blocked {@code matmul}: the vector kernels).
     */
    public FastOps(FloatKernels kernels, Gemm gemm, int threads, AttentionProducts attention) {
        if (kernels == null || gemm == null || attention == null) {
            throw new IllegalArgumentException("FastOps: kernels, gemm and attention must not be null");
        }
        if (attention == AttentionProducts.JAVA && kernels.matmulColumns() <= 1) {
            throw new IllegalArgumentException("FastOps: Java attention products need the vector kernels, not " + kernels.name());
        }
        NativeBuffer.requireCpuBackend();
        this.kernels = kernels;
        this.gemm = gemm;
        this.attention = attention;
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

    /** Threads of the team that runs the kernels and (with a splittable GEMM) the matrix products. */
    public int threads() {
        return workers.threads();
    }

    /** A description such as {@code "kernels vector(256 bit), gemm openblas, attention blas, 2 threads"}. */
    public String describe() {
        return "kernels " + kernels.name() + ", gemm " + gemm.name() + ", attention "
                + attention.name().toLowerCase(java.util.Locale.ROOT) + ", " + threads() + " threads";
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

    /** The matrix product {@code C = alpha·op(A)·op(B) + beta·C} (see {@link Gemm#gemm}), on all threads. */
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     NativeBuffer a, int aOff, int lda, NativeBuffer b, int bOff, int ldb,
                     float beta, NativeBuffer c, int cOff, int ldc) {
        gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, null, Act.IDENTITY);
    }

    /**
     * The matrix product followed by a bias and an activation on every row of the result:
     * {@code C = act(alpha·op(A)·op(B) + beta·C + bias)} ({@code bias}: {@code n} entries or null). With a
     * {@link Gemm#splittable() splittable} GEMM (OpenBLAS) the columns of C are cut into one block per thread
     * (multiples of {@value #SPLIT_COLUMNS}); each thread multiplies its block with single-threaded BLAS and
     * then applies bias and activation to it, so BLAS never has threads of its own spinning beside the Java
     * kernels. Otherwise one call, then {@link #biasAct}.
     */
    public synchronized void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                  NativeBuffer a, int aOff, int lda, NativeBuffer b, int bOff, int ldb,
                                  float beta, NativeBuffer c, int cOff, int ldc, float[] bias, Act act) {
        Gemm.check("FastOps.gemm", transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        if (act == null || (bias != null && bias.length < n)) {
            throw new IllegalArgumentException("FastOps.gemm: " + (act == null ? "activation is null"
                    : "bias has " + bias.length + " entries, the product " + n + " columns"));
        }
        boolean epilogue = bias != null || act != Act.IDENTITY;
        if (!gemm.splittable()) {
            gemm.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            if (epilogue) {
                biasAct(c, cOff, m, n, ldc, bias, act);
            }
            return;
        }
        int groups = (n + SPLIT_COLUMNS - 1) / SPLIT_COLUMNS;
        long macsPerGroup = (long) m * k * SPLIT_COLUMNS;
        int minGroups = (int) Math.min(groups, (MIN_MACS_PER_CHUNK + macsPerGroup - 1) / macsPerGroup);
        ensureScratch(n);
        gemm.beginSerial();
        try {
            workers.forRange(groups, minGroups, (w, from, to) -> {
                int j0 = from * SPLIT_COLUMNS;
                int cols = Math.min(n, to * SPLIT_COLUMNS) - j0;
                gemm.gemm(transA, transB, m, cols, k, alpha, a, aOff, lda, b, transB ? bOff + j0 * ldb : bOff + j0, ldb,
                        beta, c, cOff + j0, ldc);
                if (epilogue) {
                    float[] row = scratchA[w];
                    for (int i = 0; i < m; i++) {
                        int at = cOff + i * ldc + j0;
                        c.get(at, row, 0, cols);
                        kernels.biasAct(row, 0, cols, bias, j0, act);
                        c.put(at, row, 0, cols);
                    }
                }
            });
        } finally {
            gemm.endSerial();
        }
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

    /** How the attention products are computed. */
    public AttentionProducts attentionProducts() {
        return attention;
    }

    /** Whether {@link #attention} computes each head's products in Java ({@link AttentionProducts#JAVA}). */
    public boolean fusedAttention() {
        return attention == AttentionProducts.JAVA;
    }

    /**
     * Scaled dot-product attention of every head of one sequence, the heads split across the threads (one
     * head = one task). Head {@code h} reads its {@code [n, hd]} query, key and value column blocks from the
     * fused projection ({@code qkv} rows of stride {@code 3·heads·hd} from {@code qkvOff}, columns
     * {@code h·hd}, {@code D + h·hd}, {@code 2D + h·hd}), computes {@code P = softmax(scale·q kᵀ)} (keys
     * {@code 0..i} only for query {@code i} when {@code causal}) and writes {@code P v} into its columns
     * {@code h·hd..} of the context rows (stride {@code ctxLd} from {@code ctxOff}). When {@code probs} is not
     * null, P is also stored there as {@code [heads, n, n]} from {@code probsOff}.
     *
     * <p>With {@link #fusedAttention()}, a head's operands are copied into per-thread, zero-padded scratch
     * (~150 KB for ViT-B/16: it stays in the core's L2 cache) and multiplied by the kernels' register-blocked
     * {@code matmul}, the softmax in between. Otherwise each head makes two single-threaded BLAS calls on
     * strided views of {@code qkv} (no split or merge copies), with the fused softmax on the scores.
     */
    public synchronized void attention(NativeBuffer qkv, int qkvOff, int n, int heads, int hd, float scale, boolean causal,
                                       NativeBuffer ctx, int ctxOff, int ctxLd, NativeBuffer probs, int probsOff) {
        int d = heads * hd;
        checkRows("attention qkv", qkv, qkvOff, n, 3 * d, 3 * d);
        checkRows("attention ctx", ctx, ctxOff, n, d, ctxLd);
        if (probs != null) {
            checkRows("attention probs", probs, probsOff, heads * n, n, n);
        }
        if (fusedAttention()) {
            ensureAttentionScratch(n, hd);
            workers.forRange(heads, 1, (w, from, to) -> {
                HeadScratch hs = heads()[w];
                for (int h = from; h < to; h++) {
                    head(hs, qkv, qkvOff, n, d, h, hd, scale, causal, ctx, ctxOff, ctxLd, probs, probsOff);
                }
            });
            return;
        }
        ensureScratch(n);
        if (probs == null) {
            ensureScores(n);
        }
        if (!gemm.splittable()) {
            for (int h = 0; h < heads; h++) { // this GEMM takes one caller at a time
                blasHead(0, qkv, qkvOff, n, d, h, hd, scale, causal, ctx, ctxOff, ctxLd, probs, probsOff);
            }
            return;
        }
        gemm.beginSerial();
        try {
            workers.forRange(heads, 1, (w, from, to) -> {
                for (int h = from; h < to; h++) {
                    blasHead(w, qkv, qkvOff, n, d, h, hd, scale, causal, ctx, ctxOff, ctxLd, probs, probsOff);
                }
            });
        } finally {
            gemm.endSerial();
        }
    }

    /** One head through BLAS: scores into {@code probs}' slice of the head (or this thread's scratch), softmax, P·v. */
    private void blasHead(int w, NativeBuffer qkv, int qkvOff, int n, int d, int h, int hd, float scale, boolean causal,
                          NativeBuffer ctx, int ctxOff, int ctxLd, NativeBuffer probs, int probsOff) {
        int ld = 3 * d;
        NativeBuffer s = probs != null ? probs : scores[w];
        int sOff = probs != null ? probsOff + h * n * n : 0;
        // s = q_h k_hᵀ  [n, n]; q_h, k_h are [n, hd] column blocks of qkv
        gemm.gemm(false, true, n, n, hd, 1f, qkv, qkvOff + h * hd, ld, qkv, qkvOff + d + h * hd, ld, 0f, s, sOff, n);
        float[] row = scratchA[w];
        for (int i = 0; i < n; i++) {
            s.get(sOff + i * n, row, 0, n);
            kernels.softmax(row, 0, n, causal ? i + 1 : n, scale, null, 0);
            s.put(sOff + i * n, row, 0, n);
        }
        // ctx[:, h·hd ..] = P v_h  [n, hd], written into this head's columns of the context rows
        gemm.gemm(false, false, n, hd, n, 1f, s, sOff, n, qkv, qkvOff + 2 * d + h * hd, ld, 0f, ctx, ctxOff + h * hd, ctxLd);
    }

    private NativeBuffer[] scores = new NativeBuffer[0];

    /** Per-thread {@code [n, n]} score scratch for the BLAS heads (native: BLAS writes it). */
    private void ensureScores(int n) {
        if (scores.length == 0 || scores[0].length() < n * n) {
            NativeBuffer[] all = new NativeBuffer[scratchA.length];
            for (int i = 0; i < all.length; i++) {
                all[i] = NativeBuffer.allocate((long) n * n);
            }
            for (NativeBuffer old : scores) {
                old.close();
            }
            scores = all;
        }
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
