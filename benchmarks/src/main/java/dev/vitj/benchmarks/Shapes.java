package dev.vitj.benchmarks;

import dev.vitj.core.fast.NativeBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

/** The ViT-B/16 (224 px) sizes the benchmarks use, and random data. */
final class Shapes {
    private Shapes() {}

    /** Tokens: 14·14 patches + the class token. */
    static final int N = 197;
    /** Width. */
    static final int D = 768;
    /** MLP hidden width. */
    static final int F = 3072;
    /** Heads (head width 64). */
    static final int HEADS = 12;

    /** Floats from N(0, scale²), reproducible. */
    static float[] randn(int n, double scale, long seed) {
        Random rnd = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextGaussian() * scale);
        }
        return a;
    }

    static INDArray array(float[] values, long... shape) {
        return Nd4j.create(values, shape, 'c');
    }

    static NativeBuffer buffer(float[] values) {
        return NativeBuffer.copyOf(values);
    }

    /**
     * CLIP token rows of {@code context} ids, reproducible: start of text, 4-23 random ids, end of text, then
     * zeros (prompt lengths as in zero-shot templates).
     */
    static long[][] prompts(int batch, int context) {
        Random rnd = new Random(1);
        long[][] tokens = new long[batch][context];
        for (int i = 0; i < batch; i++) {
            int eot = 5 + rnd.nextInt(20);
            tokens[i][0] = 49406; // start of text
            for (int j = 1; j < eot; j++) {
                tokens[i][j] = 1 + rnd.nextInt(49000);
            }
            tokens[i][eot] = 49407; // end of text; zeros after
        }
        return tokens;
    }

    static INDArray tensor(long... shape) {
        Nd4j.getRandom().setSeed(42);
        return Nd4j.randn(DataType.FLOAT, shape);
    }
}
