package dev.vitj.core.io;

import dev.vitj.core.io.torch.TorchCheckpoint;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Loads a weight file of either format by its extension: {@code .safetensors} with {@link SafeTensors},
 * {@code .bin}, {@code .pt}, {@code .pth} (PyTorch {@code torch.save} zip checkpoints) with
 * {@link TorchCheckpoint}. Both give a map from state-dict names to arrays in file order.
 */
public final class WeightFiles {
    private WeightFiles() {}

    /** The formats this class can read. */
    public enum Format { SAFETENSORS, TORCH }

    /** The format a file name implies, or an exception naming the file and the supported extensions. */
    public static Format formatOf(Path file) throws IOException {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".safetensors")) {
            return Format.SAFETENSORS;
        }
        if (name.endsWith(".bin") || name.endsWith(".pt") || name.endsWith(".pth")) {
            return Format.TORCH;
        }
        throw new IOException(file + ": unknown weight file type; expected .safetensors, .bin, .pt or .pth");
    }

    /**
     * Opens a weight file header first, as {@link SafeTensors} or {@link TorchCheckpoint} by its extension:
     * every tensor's name, type and shape is known at once, data is read tensor by tensor.
     */
    public static TensorFile open(Path file) throws IOException {
        return switch (formatOf(file)) {
            case SAFETENSORS -> SafeTensors.open(file);
            case TORCH -> TorchCheckpoint.open(file);
        };
    }

    /**
     * One line per tensor among {@code names} that is not stored as a floating-point type (model weights
     * always are; an integer or bool tensor under a weight's name is a sign of the wrong file); empty when
     * all are.
     */
    public static List<String> nonFloatingPoint(TensorFile file, Collection<String> names) throws IOException {
        List<String> problems = new ArrayList<>();
        for (String name : names) {
            Dtype d = file.dtype(name);
            if (!d.nd4j().isFPType()) {
                problems.add("tensor '" + name + "' is stored as " + d + ", expected a floating-point type (F16, BF16, "
                        + "F32 or F64)");
            }
        }
        return problems;
    }

    /** Reads every tensor as stored (F16/BF16 stay 16-bit). */
    public static Map<String, INDArray> load(Path file) throws IOException {
        return load(file, null);
    }

    /**
     * Reads every tensor; floating-point tensors are converted to {@code floatType} (e.g. FLOAT to widen
     * F16/BF16 checkpoints), integer and bool tensors keep their type. {@code null} keeps every stored type.
     */
    public static Map<String, INDArray> load(Path file, DataType floatType) throws IOException {
        return switch (formatOf(file)) {
            case SAFETENSORS -> {
                try (SafeTensors st = SafeTensors.open(file)) {
                    yield st.readAll(floatType);
                }
            }
            case TORCH -> {
                try (TorchCheckpoint ckpt = TorchCheckpoint.open(file)) {
                    yield ckpt.readAll(floatType);
                }
            }
        };
    }
}
