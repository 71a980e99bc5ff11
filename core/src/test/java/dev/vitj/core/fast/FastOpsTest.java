package dev.vitj.core.fast;

import dev.vitj.core.kernels.Act;
import dev.vitj.core.kernels.FloatKernels;
import dev.vitj.core.kernels.Kernels;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The row plumbing (offsets, strides, chunks over threads) against the same kernels applied to plain arrays. */
class FastOpsTest {
    private final FloatKernels k = Kernels.best();
    private final FastOps ops = new FastOps(k, Gemm.best(), 2);

    private static float[] random(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian() * 2;
        }
        return a;
    }

    private static float[] read(NativeBuffer b) {
        float[] a = new float[b.length()];
        b.get(0, a, 0, a.length);
        return a;
    }

    private static void assertSame(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 0f, what + " at " + i);
        }
    }

    @Test
    void layerNormOverManyRows() {
        Random rnd = new Random(11);
        int rows = 300, dim = 96, off = 5;
        float[] x = random(rnd, off + rows * dim);
        float[] g = random(rnd, dim);
        float[] b = random(rnd, dim);
        NativeBuffer in = NativeBuffer.copyOf(x);
        NativeBuffer out = NativeBuffer.allocate(rows * dim + 3);
        ops.layerNorm(in, off, out, 3, rows, dim, g, b, 1e-5f);
        float[] expected = new float[rows * dim + 3];
        float[] got = read(out);
        System.arraycopy(got, 0, expected, 0, 3);
        for (int r = 0; r < rows; r++) {
            k.layerNorm(x, off + r * dim, expected, 3 + r * dim, dim, g, b, 1e-5f);
        }
        assertSame(expected, got, "layerNorm");
    }

    @Test
    void biasActWithRowStride() {
        Random rnd = new Random(12);
        int rows = 200, cols = 70, ld = 80;
        float[] x = random(rnd, rows * ld);
        float[] bias = random(rnd, cols);
        NativeBuffer buf = NativeBuffer.copyOf(x);
        ops.biasAct(buf, 0, rows, cols, ld, bias, Act.QUICK_GELU);
        float[] expected = x.clone();
        for (int r = 0; r < rows; r++) {
            k.biasAct(expected, r * ld, cols, bias, 0, Act.QUICK_GELU);
        }
        assertSame(expected, read(buf), "biasAct"); // the 10 padding floats per row stay untouched
    }

    @Test
    void softmaxBlocksWithCausalMask() {
        Random rnd = new Random(13);
        int heads = 5, n = 23;
        float[] x = random(rnd, heads * n * n);
        float[] mask = random(rnd, n * n);
        NativeBuffer buf = NativeBuffer.copyOf(x);
        ops.softmax(buf, 0, heads * n, n, 0.3f, true, mask);
        float[] expected = x.clone();
        for (int r = 0; r < heads * n; r++) {
            int q = r % n;
            k.softmax(expected, r * n, n, q + 1, 0.3f, mask, q * n);
        }
        assertSame(expected, read(buf), "softmax");
    }

    @Test
    void addTableAndMeanRows() {
        Random rnd = new Random(14);
        int period = 7, cols = 33, groups = 4;
        float[] x = random(rnd, groups * period * cols);
        float[] table = random(rnd, period * cols);
        NativeBuffer buf = NativeBuffer.copyOf(x);
        ops.addTable(buf, 0, groups * period, cols, table, period);
        float[] expected = x.clone();
        for (int r = 0; r < groups * period; r++) {
            for (int c = 0; c < cols; c++) {
                expected[r * cols + c] += table[(r % period) * cols + c];
            }
        }
        assertSame(expected, read(buf), "addTable");

        NativeBuffer mean = NativeBuffer.allocate(groups * cols);
        ops.meanRows(buf, 0, groups, period, 1, period - 1, cols, mean, 0);
        for (int g = 0; g < groups; g++) {
            for (int c = 0; c < cols; c++) {
                double s = 0;
                for (int r = 1; r < period; r++) {
                    s += expected[(g * period + r) * cols + c];
                }
                assertEquals(s / (period - 1), mean.get(g * cols + c), 1e-5);
            }
        }
    }

    /** The attention of every head against the definition in double, with odd sizes (padding) and both masks. */
    @Test
    void attentionOfAllHeadsMatchesTheDefinition() {
        FastOps java = new FastOps(k, Gemm.best(), 2, FastOps.AttentionProducts.JAVA);
        assertEquals(true, java.fusedAttention());
        FastOps blas = new FastOps(k, Gemm.best(), 2, FastOps.AttentionProducts.BLAS);
        FastOps scalar = new FastOps(Kernels.scalar(), Gemm.best(), 2);
        assertEquals(FastOps.AttentionProducts.BLAS, scalar.attentionProducts());
        FastOps unsplittable = new FastOps(Kernels.scalar(), new Nd4jGemm(), 2);
        assertThrows(IllegalArgumentException.class,
                () -> new FastOps(Kernels.scalar(), Gemm.best(), 2, FastOps.AttentionProducts.JAVA));
        // Java heads, BLAS heads across threads (vector and scalar softmax), BLAS heads on the caller; with and
        // without stored probabilities
        for (FastOps o : new FastOps[] {java, blas, scalar, unsplittable}) {
            for (boolean withProbs : new boolean[] {true, false}) {
                checkAttention(o, withProbs, new Random(15));
            }
        }
    }

    private static void checkAttention(FastOps ops, boolean withProbs, Random rnd) {
        String who = ops.describe() + (withProbs ? ", probs" : "");
        for (boolean causal : new boolean[] {false, true}) {
            int n = 23, heads = 3, hd = 12, d = heads * hd, ctxLd = d + 5, off = 7;
            float scale = (float) (1 / Math.sqrt(hd));
            float[] qkv = random(rnd, off + n * 3 * d);
            NativeBuffer in = NativeBuffer.copyOf(qkv);
            NativeBuffer ctx = NativeBuffer.copyOf(new float[n * ctxLd]);
            NativeBuffer probs = withProbs ? NativeBuffer.allocate(heads * n * n) : null;
            ops.attention(in, off, n, heads, hd, scale, causal, ctx, 0, ctxLd, probs, 0);
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < n; i++) {
                    int valid = causal ? i + 1 : n;
                    double[] p = new double[n];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < valid; j++) {
                        double s = 0;
                        for (int c = 0; c < hd; c++) {
                            s += (double) qkv[off + i * 3 * d + h * hd + c] * qkv[off + j * 3 * d + d + h * hd + c];
                        }
                        p[j] = s * scale;
                        max = Math.max(max, p[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < valid; j++) {
                        p[j] = Math.exp(p[j] - max);
                        sum += p[j];
                    }
                    for (int j = 0; j < n; j++) {
                        p[j] = j < valid ? p[j] / sum : 0;
                        if (withProbs) {
                            assertEquals(p[j], probs.get((h * n + i) * n + j), 1e-6, who + ": probs " + h + "," + i + "," + j);
                        }
                    }
                    for (int c = 0; c < hd; c++) {
                        double o = 0;
                        for (int j = 0; j < n; j++) {
                            o += p[j] * qkv[off + j * 3 * d + 2 * d + h * hd + c];
                        }
                        assertEquals(o, ctx.get(i * ctxLd + h * hd + c), 1e-5, who + ": ctx " + h + "," + i + "," + c);
                    }
                }
            }
            for (int i = 0; i < n; i++) {
                for (int c = d; c < ctxLd; c++) {
                    assertEquals(0f, ctx.get(i * ctxLd + c), who + ": padding column " + c + " of ctx must stay untouched");
                }
            }
        }
    }

    @Test
    void splitProductWithBiasAndActivationMatchesOneCallThenTheKernel() {
        Random rnd = new Random(16);
        // large enough to be split across the threads (m·n·k well above the split threshold), odd sizes
        int m = 53, n = 1000, k = 70;
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                for (float beta : new float[] {0f, 1f}) {
                    int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 5, ldc = n + 9, aOff = 2, bOff = 4, cOff = 6;
                    float[] a = random(rnd, aOff + (ta ? k : m) * lda);
                    float[] b = random(rnd, bOff + (tb ? n : k) * ldb);
                    float[] c = random(rnd, cOff + m * ldc);
                    float[] bias = random(rnd, n);
                    NativeBuffer ab = NativeBuffer.copyOf(a), bb = NativeBuffer.copyOf(b);
                    NativeBuffer split = NativeBuffer.copyOf(c), whole = NativeBuffer.copyOf(c);
                    ops.gemm(ta, tb, m, n, k, 0.5f, ab, aOff, lda, bb, bOff, ldb, beta, split, cOff, ldc, bias, Act.GELU);
                    Gemm.best().gemm(ta, tb, m, n, k, 0.5f, ab, aOff, lda, bb, bOff, ldb, beta, whole, cOff, ldc);
                    float[] expected = read(whole);
                    for (int r = 0; r < m; r++) {
                        this.k.biasAct(expected, cOff + r * ldc, n, bias, 0, Act.GELU);
                    }
                    float[] got = read(split);
                    for (int i = 0; i < got.length; i++) {
                        // BLAS may block a narrower product differently: rounding-level differences only
                        assertEquals(expected[i], got[i], 2e-5f * Math.max(1f, Math.abs(expected[i])),
                                "ta " + ta + ", tb " + tb + ", beta " + beta + " at " + i);
                    }
                }
            }
        }
        NativeBuffer small = NativeBuffer.allocate(100);
        assertThrows(IllegalArgumentException.class, () -> ops.gemm(false, false, 5, 5, 5, 1f, small, 0, 5, small, 0, 5,
                0f, small, 0, 5, new float[4], Act.IDENTITY));
        assertThrows(IllegalArgumentException.class, () -> ops.gemm(false, false, 5, 5, 5, 1f, small, 0, 5, small, 0, 5,
                0f, small, 0, 5, null, null));
    }

    @Test
    void badShapesAreRejected() {
        NativeBuffer small = NativeBuffer.allocate(100);
        assertThrows(IllegalArgumentException.class, () -> ops.layerNorm(small, 0, small, 0, 11, 10, new float[10], new float[10], 1e-5f));
        assertThrows(IllegalArgumentException.class, () -> ops.softmax(small, 0, 10, 10, 1f, false, new float[50]));
        assertThrows(IllegalArgumentException.class, () -> ops.meanRows(small, 0, 2, 5, 3, 3, 10, small, 0));
        assertThrows(IllegalArgumentException.class, () -> NativeBuffer.allocate(0));
    }
}
