package dev.vitj.core.io;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A weight file opened header first: the name, element type and shape of every tensor are known as soon as
 * it is open, and a tensor's data is read only when {@link #get} asks for it. So a loader can check a file
 * against the model it is meant for before allocating anything. {@link SafeTensors} and
 * {@link dev.vitj.core.io.torch.TorchCheckpoint} are the two kinds; {@link WeightFiles#open} picks one by
 * the file's extension.
 */
public interface TensorFile extends Closeable {
    /** The file. */
    Path file();

    /** Tensor names in file order. */
    Set<String> names();

    /** The element type a tensor is stored in. */
    Dtype dtype(String name) throws IOException;

    /** The shape of a tensor (a new array; {@code []} for a scalar). */
    long[] shape(String name) throws IOException;

    /** Reads one tensor, converted to {@code type}, into a new array. */
    INDArray get(String name, DataType type) throws IOException;

    /** The shape of every tensor by name, in file order, from the header alone. */
    default Map<String, long[]> shapes() throws IOException {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (String name : names()) {
            out.put(name, shape(name));
        }
        return out;
    }
}
