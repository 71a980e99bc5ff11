package dev.vitj.core.kernels;

import dev.vitj.core.io.SafeTensors;
import dev.vitj.core.nn.Activation;
import dev.vitj.core.nn.LayerNorm;
import dev.vitj.core.nn.Softmax;
import dev.vitj.core.testing.Fixtures;
import dev.vitj.core.testing.Parity;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Differential tests: every fused kernel, scalar and vector, against the readable layers of
 * {@code dev.vitj.core.nn} computed in float64 on the same random data (the layers are the oracle), and
 * against the PyTorch fixtures of {@code layers/}.
 */
class FloatKernelsTest {
    /** Both implementations; the build runs tests with the Vector API module, so both must be there. */
    static List<FloatKernels> implementations() {
        FloatKernels vector = Kernels.vector();
        assertNotNull(vector, "the Vector API kernels are unavailable: tests must run with --add-modules jdk.incubator.vector");
        List<FloatKernels> all = new ArrayList<>();
        all.add(Kernels.scalar());
        all.add(vector);
        return all;
    }

    private static float[] random(Random rnd, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextGaussian() * scale);
        }
        return a;
    }

    private static INDArray f64(float[] a, long... shape) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return Nd4j.create(d, shape, DataType.DOUBLE);
    }

    private static INDArray f32(float[] a, long... shape) {
        return Nd4j.create(a, shape, 'c');
    }

    @Test
    void bestIsTheVectorKernels() {
        assertEquals(Kernels.vector(), Kernels.best());
    }

    @Test
    void softmaxWithScaleAndMaskMatchesTheLayer() {
        Random rnd = new Random(1);
        int rows = 13;
        int n = 197; // not a multiple of the vector length: the scalar tail runs too
        float scale = 0.125f;
        for (FloatKernels k : implementations()) {
            float[] x = random(rnd, rows * n, 4);
            float[] mask = new float[rows * n];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = rnd.nextInt(5) == 0 ? Float.NEGATIVE_INFINITY : (float) rnd.nextGaussian();
            }
            for (int j = 0; j < n; j++) {
                mask[4 * n + j] = Float.NEGATIVE_INFINITY; // a fully masked row
            }
            float[] logits = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                logits[i] = x[i] * scale + mask[i];
            }
            INDArray expected = Softmax.softmax(f64(logits, rows, n));
            float[] got = x.clone();
            for (int r = 0; r < rows; r++) {
                k.softmax(got, r * n, n, n, scale, mask, r * n);
            }
            Parity.Report rep = Parity.assertClose(k.name() + " softmax", expected, f32(got, rows, n), 1e-7, 1e-6);
            System.out.printf("%s softmax with mask: max |dev| %.3g%n", k.name(), rep.maxAbs());
            for (int j = 0; j < n; j++) {
                assertEquals(0f, got[4 * n + j], "fully masked row must be zeros");
            }
            for (int i = 0; i < got.length; i++) {
                if (mask[i] == Float.NEGATIVE_INFINITY) {
                    assertEquals(0f, got[i], "masked entry " + i);
                }
            }
        }
    }

    @Test
    void softmaxCausalRowsAndLargeLogits() {
        Random rnd = new Random(2);
        int n = 77;
        for (FloatKernels k : implementations()) {
            float[] x = random(rnd, n * n, 30); // large logits: the max subtraction must keep exp finite
            float[] logits = new float[n * n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    logits[i * n + j] = j <= i ? x[i * n + j] : Float.NEGATIVE_INFINITY;
                }
            }
            INDArray expected = Softmax.softmax(f64(logits, n, n));
            float[] got = x.clone();
            for (int i = 0; i < n; i++) {
                k.softmax(got, i * n, n, i + 1, 1f, null, 0);
            }
            Parity.assertClose(k.name() + " causal softmax", expected, f32(got, n, n), 1e-7, 1e-6);
        }
    }

    @Test
    void softmaxMatchesTheTorchFixture() throws IOException {
        Map<String, INDArray> fx;
        try (SafeTensors st = Fixtures.open("layers/softmax.safetensors")) {
            fx = st.readAll(null);
        }
        float[] x = fx.get("x").castTo(DataType.FLOAT).dup('c').data().asFloat(); // [4, 9]
        for (FloatKernels k : implementations()) {
            float[] got = x.clone();
            for (int r = 0; r < 4; r++) {
                k.softmax(got, r * 9, 9, 9, 1f, null, 0);
            }
            Parity.assertClose(k.name() + " softmax vs torch", fx.get("softmax.y"), f32(got, 4, 9), 1e-6, 1e-5);
        }
    }

    @Test
    void layerNormMatchesTheLayer() {
        Random rnd = new Random(3);
        int rows = 9;
        for (int dim : new int[] {768, 37}) {
            for (FloatKernels k : implementations()) {
                float[] x = random(rnd, rows * dim, 3);
                for (int i = 0; i < dim; i++) {
                    x[2 * dim + i] += 1000f; // a large mean: the two-pass variance must not cancel
                }
                float[] gamma = random(rnd, dim, 1);
                float[] beta = random(rnd, dim, 1);
                LayerNorm ln = new LayerNorm(dim, 1e-6);
                ln.weight().set(f32(gamma, dim));
                ln.bias().set(f32(beta, dim));
                ln.to(DataType.DOUBLE);
                INDArray expected = ln.forward(f64(x, rows, dim));
                float[] got = new float[x.length];
                for (int r = 0; r < rows; r++) {
                    k.layerNorm(x, r * dim, got, r * dim, dim, gamma, beta, 1e-6f);
                }
                Parity.Report rep = Parity.assertClose(k.name() + " layerNorm " + dim, expected, f32(got, rows, dim), 1e-5, 1e-5);
                System.out.printf("%s layerNorm(%d): max |dev| %.3g%n", k.name(), dim, rep.maxAbs());
                // in place gives the same
                float[] inPlace = x.clone();
                for (int r = 0; r < rows; r++) {
                    k.layerNorm(inPlace, r * dim, inPlace, r * dim, dim, gamma, beta, 1e-6f);
                }
                Parity.assertClose(k.name() + " layerNorm in place", f32(got, rows, dim), f32(inPlace, rows, dim), 0);
            }
        }
    }

    @Test
    void layerNormMatchesTheTorchFixture() throws IOException {
        Map<String, INDArray> fx;
        try (SafeTensors st = Fixtures.open("layers/layernorm.safetensors")) {
            fx = st.readAll(null);
        }
        float[] x = fx.get("x").castTo(DataType.FLOAT).dup('c').data().asFloat(); // [2, 5, 16]
        float[] w = fx.get("weight").castTo(DataType.FLOAT).data().asFloat();
        float[] b = fx.get("bias").castTo(DataType.FLOAT).data().asFloat();
        for (FloatKernels k : implementations()) {
            float[] got = new float[x.length];
            for (int r = 0; r < 10; r++) {
                k.layerNorm(x, r * 16, got, r * 16, 16, w, b, 1e-6f);
            }
            Parity.assertClose(k.name() + " layerNorm vs torch", fx.get("y"), f32(got, 2, 5, 16), 1e-6, 1e-5);
        }
    }

    @Test
    void biasActivationMatchesTheLayers() {
        Random rnd = new Random(4);
        int rows = 5;
        int n = 3072 + 3;
        for (Act act : Act.values()) {
            for (FloatKernels k : implementations()) {
                float[] x = random(rnd, rows * n, 3);
                float[] bias = random(rnd, n, 1);
                float[] pre = new float[x.length];
                for (int i = 0; i < x.length; i++) {
                    pre[i] = x[i] + bias[i % n];
                }
                INDArray in = f64(pre, rows, n);
                INDArray expected = act == Act.IDENTITY ? in : Activation.of(act.activationName()).forward(in);
                float[] got = x.clone();
                for (int r = 0; r < rows; r++) {
                    k.biasAct(got, r * n, n, bias, 0, act);
                }
                Parity.Report rep = Parity.assertClose(k.name() + " bias+" + act, expected, f32(got, rows, n), 1e-6, 1e-6);
                System.out.printf("%s bias+%s: max |dev| %.3g%n", k.name(), act, rep.maxAbs());
            }
        }
    }

    @Test
    void activationsMatchTheTorchFixture() throws IOException {
        Map<String, INDArray> fx;
        try (SafeTensors st = Fixtures.open("layers/activations.safetensors")) {
            fx = st.readAll(null);
        }
        float[] x = fx.get("x").castTo(DataType.FLOAT).data().asFloat(); // [224], -8..8 and random
        Map<Act, String> keys = Map.of(Act.GELU, "gelu_exact.y", Act.GELU_TANH, "gelu_tanh.y", Act.QUICK_GELU, "quick_gelu.y");
        for (FloatKernels k : implementations()) {
            for (Map.Entry<Act, String> e : keys.entrySet()) {
                float[] got = x.clone();
                k.biasAct(got, 0, got.length, null, 0, e.getKey());
                Parity.assertClose(k.name() + " " + e.getKey() + " vs torch", fx.get(e.getValue()), f32(got, got.length),
                        1e-6, 1e-5);
            }
        }
    }

    @Test
    void vectorAndScalarAgree() {
        Random rnd = new Random(5);
        FloatKernels s = Kernels.scalar();
        FloatKernels v = Kernels.vector();
        float[] x = random(rnd, 4099, 20);
        float[] a = x.clone();
        float[] b = x.clone();
        s.exp(a, 3, 4096);
        v.exp(b, 3, 4096);
        Parity.assertClose("exp scalar vs vector", f32(a, a.length), f32(b, b.length), 0, 2e-7);
        float[] y = random(rnd, 4099, 1);
        a = x.clone();
        b = x.clone();
        s.add(a, 1, y, 2, 4000);
        v.add(b, 1, y, 2, 4000);
        Parity.assertClose("add scalar vs vector", f32(a, a.length), f32(b, b.length), 0);
        for (int i = 0; i < 4000; i++) {
            assertEquals(x[1 + i] + y[2 + i], a[1 + i]);
        }
    }

    @Test
    void matmulMatchesTheDefinition() {
        Random rnd = new Random(6);
        for (FloatKernels k : implementations()) {
            int m = 3 * k.matmulRows() * 2;
            int n = 2 * k.matmulColumns() + (k.matmulColumns() == 1 ? 5 : 0);
            int depth = 37;
            int lda = depth + 3, ldb = n + 2 * k.matmulColumns(), ldc = n + 1;
            float[] a = random(rnd, m * lda, 1);
            float[] b = random(rnd, depth * ldb, 1);
            float[] c = random(rnd, m * ldc, 1); // overwritten, not accumulated
            float[] before = c.clone();
            k.matmul(a, lda, b, ldb, c, ldc, m, n, depth);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < ldc; j++) {
                    if (j >= n) {
                        assertEquals(before[i * ldc + j], c[i * ldc + j], k.name() + ": column " + j + " is outside C");
                        continue;
                    }
                    double sum = 0;
                    for (int p = 0; p < depth; p++) {
                        sum += (double) a[i * lda + p] * b[p * ldb + j];
                    }
                    assertEquals(sum, c[i * ldc + j], 1e-4, k.name() + " matmul at " + i + "," + j);
                }
            }
            if (k.matmulRows() > 1) {
                assertThrows(IllegalArgumentException.class, () -> k.matmul(a, lda, b, ldb, c, ldc, m - 1, n, depth));
            }
            if (k.matmulColumns() > 1) {
                assertThrows(IllegalArgumentException.class, () -> k.matmul(a, lda, b, ldb, c, ldc, m, n - 1, depth));
            }
            assertThrows(IllegalArgumentException.class, () -> k.matmul(a, lda, b, ldb, c, ldc, m + k.matmulRows() * 40, n, depth));
        }
    }

    @Test
    void badRangesAreRejected() {
        for (FloatKernels k : implementations()) {
            float[] x = new float[10];
            assertThrows(IllegalArgumentException.class, () -> k.softmax(x, 5, 6, 6, 1f, null, 0));
            assertThrows(IllegalArgumentException.class, () -> k.softmax(x, 0, 10, 11, 1f, null, 0));
            assertThrows(IllegalArgumentException.class, () -> k.softmax(x, 0, 10, 10, 1f, new float[5], 0));
            assertThrows(IllegalArgumentException.class, () -> k.layerNorm(x, 0, x, 0, 10, new float[9], new float[10], 1e-5f));
            assertThrows(IllegalArgumentException.class, () -> k.biasAct(x, 0, 10, new float[3], 0, Act.GELU));
            assertThrows(IllegalArgumentException.class, () -> k.add(x, 0, new float[4], 0, 5));
        }
        assertThrows(IllegalArgumentException.class, () -> Act.of("swish"));
        assertEquals(Act.GELU_TANH, Act.of("gelu_pytorch_tanh"));
    }
}
