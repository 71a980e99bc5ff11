package dev.vitj.core.io;

import dev.vitj.core.io.torch.TensorInfo;
import dev.vitj.core.io.torch.TorchSaveWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** Both weight formats opened header first through {@link WeightFiles#open}, and their immutable header entries. */
class TensorFileTest {
    @TempDir
    Path dir;

    private static Map<String, INDArray> tensors() {
        Map<String, INDArray> t = new LinkedHashMap<>();
        t.put("w", Nd4j.createFromArray(new float[][] {{1, 2, 3}, {4, 5, 6}}));
        t.put("b", Nd4j.createFromArray(0.5f, -0.5f));
        return t;
    }

    @Test
    void bothFormatsGiveNamesShapesTypesAndData() throws IOException {
        Path st = dir.resolve("w.safetensors");
        SafeTensors.write(st, tensors());
        Path bin = TorchSaveWriter.write(dir.resolve("w.bin"), tensors());
        for (Path f : List.of(st, bin)) {
            try (TensorFile file = WeightFiles.open(f)) {
                assertEquals(f, file.file());
                assertEquals(java.util.Set.of("w", "b"), file.names());
                assertArrayEquals(new long[] {2, 3}, file.shape("w"));
                assertArrayEquals(new long[] {2, 3}, file.shapes().get("w"));
                assertEquals(Dtype.F32, file.dtype("b"));
                INDArray w = file.get("w", DataType.DOUBLE);
                assertEquals(DataType.DOUBLE, w.dataType());
                assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, w.dup().data().asDouble());
                assertEquals(List.of(), WeightFiles.nonFloatingPoint(file, file.names()));
            }
        }
        try (TensorFile file = WeightFiles.open(st)) {
            assertInstanceOf(SafeTensors.class, file);
        }
    }

    @Test
    void nonFloatTensorsAreNamed() throws IOException {
        Map<String, INDArray> t = tensors();
        t.put("steps", Nd4j.createFromArray(3L));
        t.put("mask", Nd4j.createFromArray(true, false));
        Path f = dir.resolve("mixed.safetensors");
        SafeTensors.write(f, t);
        try (TensorFile file = WeightFiles.open(f)) {
            assertEquals(List.of("tensor 'steps' is stored as I64, expected a floating-point type (F16, BF16, F32 or F64)",
                            "tensor 'mask' is stored as BOOL, expected a floating-point type (F16, BF16, F32 or F64)"),
                    WeightFiles.nonFloatingPoint(file, List.of("w", "steps", "mask")));
        }
    }

    @Test
    void headerEntriesAreImmutable() {
        long[] shape = {2, 3};
        long[] stride = {3, 1};
        SafeTensors.TensorInfo st = new SafeTensors.TensorInfo("w", Dtype.F32, shape, 8, 32);
        TensorInfo torch = new TensorInfo("w", Dtype.F32, shape, stride, 0, "0");
        shape[0] = 7;
        stride[0] = 9;
        st.shape()[1] = 7;
        torch.shape()[1] = 7;
        torch.stride()[1] = 7;
        assertArrayEquals(new long[] {2, 3}, st.shape());
        assertArrayEquals(new long[] {2, 3}, torch.shape());
        assertArrayEquals(new long[] {3, 1}, torch.stride());
        assertEquals(6, st.numel());
        assertEquals(new SafeTensors.TensorInfo("w", Dtype.F32, new long[] {2, 3}, 8, 32), st);
        assertEquals(new TensorInfo("w", Dtype.F32, new long[] {2, 3}, new long[] {3, 1}, 0, "0"), torch);
    }
}
