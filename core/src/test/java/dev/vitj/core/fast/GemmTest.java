package dev.vitj.core.fast;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both GEMMs against a plain triple loop in double, on strided sub-matrices with every transpose and alpha/beta. */
class GemmTest {
    private static float[] random(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }

    /** The plain definition: C = alpha·op(A)·op(B) + beta·C on the same strided layout. */
    private static void naive(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                              float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double av = ta ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    double bv = tb ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s += av * bv;
                }
                int at = cOff + i * ldc + j;
                c[at] = (float) (alpha * s + (beta == 0 ? 0 : beta * c[at]));
            }
        }
    }

    @Test
    void openBlasIsAvailableOnTheCpuBackend() {
        assertNotNull(OpenBlasGemm.create(), "the CPU backend's OpenBLAS binding was not found");
        assertEquals("openblas", Gemm.best().name());
    }

    @Test
    void bothImplementationsMatchTheDefinition() {
        Random rnd = new Random(7);
        Gemm[] gemms = {OpenBlasGemm.create(), new Nd4jGemm()};
        int m = 13, n = 11, k = 9;
        for (Gemm g : gemms) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    for (float beta : new float[] {0f, 1f, 0.5f}) {
                        int lda = (ta ? m : k) + 5;
                        int ldb = (tb ? k : n) + 3;
                        int ldc = n + 7;
                        int aOff = 4, bOff = 6, cOff = 2;
                        float[] a = random(rnd, aOff + (ta ? k : m) * lda);
                        float[] b = random(rnd, bOff + (tb ? n : k) * ldb);
                        float[] c = random(rnd, cOff + m * ldc);
                        float[] expected = c.clone();
                        naive(ta, tb, m, n, k, 0.75f, a, aOff, lda, b, bOff, ldb, beta, expected, cOff, ldc);
                        NativeBuffer na = NativeBuffer.copyOf(a);
                        NativeBuffer nb = NativeBuffer.copyOf(b);
                        NativeBuffer nc = NativeBuffer.copyOf(c);
                        g.gemm(ta, tb, m, n, k, 0.75f, na, aOff, lda, nb, bOff, ldb, beta, nc, cOff, ldc);
                        float[] got = new float[c.length];
                        nc.get(0, got, 0, got.length);
                        for (int i = 0; i < got.length; i++) {
                            assertEquals(expected[i], got[i], 1e-5 * (1 + Math.abs(expected[i])),
                                    g.name() + " ta=" + ta + " tb=" + tb + " beta=" + beta + " at " + i);
                        }
                    }
                }
            }
        }
    }

    @Test
    void sameBufferForAAndB() {
        // q·kᵀ inside one qkv buffer: A and B are two column blocks of the same memory
        Random rnd = new Random(8);
        int n = 6, d = 4, ld = 3 * d;
        float[] qkv = random(rnd, n * ld);
        float[] expected = new float[n * n];
        naive(false, true, n, n, d, 1f, qkv, 0, ld, qkv, d, ld, 0f, expected, 0, n);
        NativeBuffer buf = NativeBuffer.copyOf(qkv);
        NativeBuffer out = NativeBuffer.allocate(n * n);
        OpenBlasGemm.create().gemm(false, true, n, n, d, 1f, buf, 0, ld, buf, d, ld, 0f, out, 0, n);
        for (int i = 0; i < n * n; i++) {
            assertEquals(expected[i], out.get(i), 1e-5);
        }
    }

    @Test
    void concurrentSerialCallsFromSeveralThreads() throws Exception {
        // what FastOps does: every thread multiplies its own columns of one product, single-threaded BLAS
        OpenBlasGemm g = OpenBlasGemm.create();
        assertTrue(g.splittable(), "openblas_set_num_threads was not found");
        Random rnd = new Random(9);
        int m = 40, n = 64, k = 50, threads = 4;
        float[] a = random(rnd, m * k);
        float[] b = random(rnd, n * k);
        float[] expected = new float[m * n];
        naive(false, true, m, n, k, 1f, a, 0, k, b, 0, k, 0f, expected, 0, n);
        NativeBuffer na = NativeBuffer.copyOf(a);
        NativeBuffer nb = NativeBuffer.copyOf(b);
        NativeBuffer nc = NativeBuffer.allocate(m * n);
        g.beginSerial();
        g.beginSerial(); // sections nest
        try {
            Thread[] team = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                int j0 = t * n / threads;
                int cols = (t + 1) * n / threads - j0;
                team[t] = new Thread(() -> {
                    for (int rep = 0; rep < 200; rep++) {
                        g.gemm(false, true, m, cols, k, 1f, na, 0, k, nb, j0 * k, k, 0f, nc, j0, n);
                    }
                });
                team[t].start();
            }
            for (Thread t : team) {
                t.join();
            }
        } finally {
            g.endSerial();
            g.endSerial();
        }
        for (int i = 0; i < m * n; i++) {
            assertEquals(expected[i], nc.get(i), 1e-4, "at " + i);
        }
        assertThrows(IllegalStateException.class, g::endSerial);
    }

    @Test
    void regionsOutsideTheBufferAreRejected() {
        NativeBuffer small = NativeBuffer.allocate(10);
        Gemm g = Gemm.best();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> g.gemm(false, false, 4, 4, 4, 1f, small, 0, 4, small, 0, 4, 0f, small, 0, 4));
        assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> g.gemm(false, false, 2, 2, 2, 1f, small, 0, 1, small, 0, 2, 0f, small, 0, 2)); // lda < k
    }
}
