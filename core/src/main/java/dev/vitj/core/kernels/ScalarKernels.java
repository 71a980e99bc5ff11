package dev.vitj.core.kernels;

/**
 * The kernels in plain Java: the fallback when the Vector API module is not available, and the
 * readable statement of what the vector version computes. Loops are simple enough for the JIT to
 * unroll; sums use four accumulators so they are not bound by the latency of one chain of additions.
 */
final class ScalarKernels implements FloatKernels {
    static final ScalarKernels INSTANCE = new ScalarKernels();

    private ScalarKernels() {}

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void softmax(float[] x, int off, int n, int valid, float scale, float[] mask, int maskOff) {
        Kernels.checkSoftmax(x, off, n, valid, mask, maskOff);
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < valid; i++) {
            float s = x[off + i] * scale;
            if (mask != null) {
                s += mask[maskOff + i];
            }
            x[off + i] = s;
            max = Math.max(max, s);
        }
        if (max == Float.NEGATIVE_INFINITY) {
            max = 0f; // nothing finite: every exp(-∞) is 0 and the row becomes zeros
        }
        float sum = 0f;
        for (int i = 0; i < valid; i++) {
            float e = FastMath.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        float inv = sum > 0f ? 1f / sum : 0f;
        for (int i = 0; i < valid; i++) {
            x[off + i] *= inv;
        }
        for (int i = valid; i < n; i++) {
            x[off + i] = 0f;
        }
    }

    @Override
    public void layerNorm(float[] x, int xOff, float[] y, int yOff, int n, float[] gamma, float[] beta, float eps) {
        Kernels.checkLayerNorm(x, xOff, y, yOff, n, gamma, beta);
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += x[xOff + i];
            s1 += x[xOff + i + 1];
            s2 += x[xOff + i + 2];
            s3 += x[xOff + i + 3];
        }
        for (; i < n; i++) {
            s0 += x[xOff + i];
        }
        float mean = ((s0 + s1) + (s2 + s3)) / n;
        // second pass over d = x - mean: Σd² for the variance, and Σd to correct the rounding error of the
        // float mean (the corrected two-pass algorithm; matters when |mean| >> std)
        float c0 = 0, c1 = 0, v0 = 0, v1 = 0;
        i = 0;
        for (; i + 1 < n; i += 2) {
            float d0 = x[xOff + i] - mean;
            float d1 = x[xOff + i + 1] - mean;
            c0 += d0;
            c1 += d1;
            v0 += d0 * d0;
            v1 += d1 * d1;
        }
        for (; i < n; i++) {
            float d = x[xOff + i] - mean;
            c0 += d;
            v0 += d * d;
        }
        float corr = (c0 + c1) / n;
        float var = Math.max(0f, (v0 + v1) / n - corr * corr);
        float rstd = (float) (1.0 / Math.sqrt(var + eps));
        for (i = 0; i < n; i++) {
            y[yOff + i] = (x[xOff + i] - mean - corr) * rstd * gamma[i] + beta[i]; // mean + corr kept apart: no rounding of the sum
        }
    }

    @Override
    public void biasAct(float[] x, int off, int n, float[] bias, int biasOff, Act act) {
        Kernels.checkRange("biasAct", x, off, n);
        if (bias != null) {
            Kernels.checkRange("biasAct bias", bias, biasOff, n);
            for (int i = 0; i < n; i++) {
                x[off + i] += bias[biasOff + i];
            }
        }
        if (act != Act.IDENTITY) {
            for (int i = 0; i < n; i++) {
                x[off + i] = act.apply(x[off + i]);
            }
        }
    }

    @Override
    public void add(float[] x, int xOff, float[] y, int yOff, int n) {
        Kernels.checkRange("add", x, xOff, n);
        Kernels.checkRange("add", y, yOff, n);
        for (int i = 0; i < n; i++) {
            x[xOff + i] += y[yOff + i];
        }
    }

    @Override
    public int matmulRows() {
        return 1;
    }

    @Override
    public int matmulColumns() {
        return 1;
    }

    @Override
    public void matmul(float[] a, int lda, float[] b, int ldb, float[] c, int ldc, int m, int n, int k) {
        Kernels.checkMatmul(a, lda, b, ldb, c, ldc, m, n, k, 1, 1);
        for (int i = 0; i < m; i++) {
            int ci = i * ldc;
            java.util.Arrays.fill(c, ci, ci + n, 0f);
            for (int p = 0; p < k; p++) {
                float aip = a[i * lda + p];
                int bp = p * ldb;
                for (int j = 0; j < n; j++) {
                    c[ci + j] += aip * b[bp + j];
                }
            }
        }
    }

    @Override
    public void exp(float[] x, int off, int n) {
        Kernels.checkRange("exp", x, off, n);
        for (int i = 0; i < n; i++) {
            x[off + i] = FastMath.exp(x[off + i]);
        }
    }
}
