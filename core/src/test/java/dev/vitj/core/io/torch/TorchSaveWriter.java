package dev.vitj.core.io.torch;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a float32 state dict as {@code torch.save} lays it out (a zip with {@code archive/data.pkl}, one
 * storage per tensor, contiguous), with the hand-written pickles of {@link PickleBuilder}, so tests of other
 * modules can make PyTorch checkpoints without Python or committed binaries.
 */
public final class TorchSaveWriter {
    private TorchSaveWriter() {}

    /** Writes {@code tensors} (any float type, stored as float32) to {@code file}; returns the file. */
    public static Path write(Path file, Map<String, INDArray> tensors) throws IOException {
        Map<String, PickleBuilder> pickled = new LinkedHashMap<>();
        Map<String, byte[]> storages = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            INDArray a = e.getValue();
            String key = Integer.toString(storages.size());
            long[] shape = a.shape();
            long[] stride = new long[shape.length]; // row-major
            long step = 1;
            for (int i = shape.length - 1; i >= 0; i--) {
                stride[i] = step;
                step *= shape[i];
            }
            pickled.put(e.getKey(), PickleBuilder.tensorFragment("FloatStorage", key, a.length(), 0, shape, stride));
            storages.put(key, PickleBuilder.floats(a.castTo(DataType.FLOAT).dup('c').data().asFloat()));
        }
        return PickleBuilder.checkpoint(file, "archive", PickleBuilder.stateDict(pickled), storages);
    }
}
