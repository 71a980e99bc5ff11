package dev.vitj.core.nn;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Modules built with {@link Module#withDeferredInit}: shapes and types without storage, checked and filled by
 * loaders without a random initialisation; and the release of inference temporaries.
 */
class DeferredInitTest {
    @Test
    void deferredParametersHaveShapesButNoStorage() {
        EncoderBlock block = Module.withDeferredInit(() -> new EncoderBlock(8, 2, 4.0, true, new Gelu(), 1e-6, 0.1));
        for (Map.Entry<String, Parameter> e : block.namedParameters().entrySet()) {
            assertFalse(e.getValue().isAllocated(), e.getKey());
        }
        assertArrayEquals(new long[] {24, 8}, block.attn().qkv().weight().shape());
        assertArrayEquals(new long[] {32, 8}, block.mlp().fc1().weight().shape());
        assertEquals(new EncoderBlock(8, 2, 4.0, true, new Gelu(), 1e-6, 0.1).parameterCount(), block.parameterCount());

        block.to(DataType.DOUBLE); // changes the type to allocate in, allocates nothing
        assertFalse(block.norm1().weight().isAllocated());
        assertEquals(DataType.DOUBLE, block.norm1().weight().dataType());

        // used before anything was loaded: made on first use by the layer's own initialiser, in the current type
        INDArray gamma = block.ls1().gamma().value();
        assertTrue(block.ls1().gamma().isAllocated());
        assertEquals(DataType.DOUBLE, gamma.dataType());
        assertEquals(0.1, gamma.getDouble(3), 1e-7); // made in float32, then widened
        assertSame(gamma, block.ls1().gamma().value());
    }

    @Test
    void aHugeModelCanBeDescribedWithoutAllocatingIt() {
        // 2^60 weights: building it eagerly would need 4 EiB
        Linear huge = Module.withDeferredInit(() -> new Linear(1 << 30, 1 << 30, true));
        assertEquals((1L << 60) + (1L << 30), huge.parameterCount());
        List<String> problems = huge.stateDictProblems(Map.of("weight", new long[] {3, 4}), true);
        assertEquals(List.of("shape mismatch for 'weight': checkpoint [3, 4], model [1073741824, 1073741824]",
                "missing key 'bias' (expected shape [1073741824])"), problems);
    }

    @Test
    void theScopeEndsWithItsBuildEvenWhenTheBuildFails() {
        assertThrows(IllegalArgumentException.class, () -> Module.withDeferredInit(() -> new Linear(0, 3, true)));
        Linear eager = new Linear(2, 3, true);
        assertTrue(eager.weight().isAllocated() && eager.bias().isAllocated());
        Linear outer = Module.withDeferredInit(() -> {
            Module.withDeferredInit(() -> new Linear(1, 1, false)); // a nested scope restores the outer one
            return new Linear(2, 3, true);
        });
        assertFalse(outer.weight().isAllocated());
    }

    @Test
    void loadingFillsDeferredParametersWithTheGivenArrays() {
        Linear model = Module.withDeferredInit(() -> new Linear(3, 2, true));
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("weight", new long[] {2, 3});
        shapes.put("bias", new long[] {3});
        shapes.put("extra", new long[] {1});
        assertEquals(List.of("shape mismatch for 'bias': checkpoint [3], model [2]", "unexpected key 'extra' [1]"),
                model.stateDictProblems(shapes, true));
        assertEquals(List.of("shape mismatch for 'bias': checkpoint [3], model [2]"), model.stateDictProblems(shapes, false));

        INDArray w = Nd4j.createFromArray(new float[][] {{1, 2, 3}, {4, 5, 6}});
        INDArray b = Nd4j.createFromArray(0.5f, -0.5f);
        model.loadStateDict(Map.of("weight", w, "bias", b), true);
        assertSame(w, model.weight().value(), "a float32 array becomes the parameter itself, no copy");
        INDArray y = model.forward(Nd4j.createFromArray(new float[][] {{1, 0, -1}}));
        assertArrayEquals(new float[] {-1.5f, -2.5f}, y.toFloatVector());
    }

    @Test
    void releaseFreesWholeBufferViewsOnly() {
        INDArray y = Nd4j.rand(DataType.FLOAT, 6, 4);
        INDArray reshaped = y.reshape('c', 2, 3, 4); // what Linear and LayerNorm return: a view ND4J will not close
        assertFalse(reshaped.closeable());
        Checks.release(reshaped);
        assertTrue(y.data().wasClosed(), "the buffer behind a whole-array view is freed");

        INDArray z = Nd4j.rand(DataType.FLOAT, 6, 4);
        Checks.release(z.get(NDArrayIndex.interval(0, 3), NDArrayIndex.all()),
                z.get(NDArrayIndex.interval(3, 6), NDArrayIndex.all()));
        assertFalse(z.data().wasClosed(), "partial views leave the buffer alone");

        INDArray inPlace = z.addi(1);
        Checks.releaseUnlessShared(z, inPlace);
        Checks.releaseUnlessShared(z, z.reshape(new long[] {24}));
        assertFalse(z.data().wasClosed(), "a survivor on the same memory keeps it");
        Checks.releaseUnlessShared(z, z.add(1));
        assertTrue(z.data().wasClosed());
    }

    @Test
    void inferenceForwardIsUnchangedByFreeingItsTemporaries() {
        // The same block and input in training mode (which frees nothing) and inference mode agree exactly.
        EncoderBlock block = new EncoderBlock(16, 4, 4.0, true, new Gelu(), 1e-6, 0.5);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 5, 16);
        INDArray inference = block.forward(x);
        block.train(true);
        INDArray training = block.forward(x);
        block.train(false);
        assertArrayEquals(flat(training), flat(inference));
        assertArrayEquals(flat(inference), flat(block.forward(x)));
        assertTrue(x.closeable() && !x.wasClosed(), "the caller's input is never freed");
    }

    private static float[] flat(INDArray a) {
        return a.dup('c').data().asFloat();
    }
}
