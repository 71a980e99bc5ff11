package dev.vitj.vit;

import dev.vitj.core.io.TensorFile;
import dev.vitj.core.io.WeightFiles;
import dev.vitj.core.nn.Module;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads a timm model directory as published on the Hugging Face hub: {@code config.json} (see
 * {@link TimmHubConfig}) and the weights, {@code model.safetensors} (preferred) or
 * {@code pytorch_model.bin}.
 *
 * <pre>{@code
 * VitCheckpoint ckpt = TimmLoader.load(Path.of("vit_base_patch16_224.augreg2_in21k_ft_in1k"));
 * INDArray logits = ckpt.model().forward(pixels);
 * }</pre>
 *
 * <p>Loading is strict and header first: the weights file's tensor names, shapes and types are compared
 * with the model the config describes before any tensor is read or any parameter allocated, and a missing
 * key, an unexpected key, a shape mismatch or a non-float tensor is an {@link IllegalArgumentException}
 * naming the weights file and listing every offending key. The model is then filled straight from the file,
 * without a random initialisation first, so loading needs about the model's size in memory.
 */
public final class TimmLoader {
    /** The weights file names, in order of preference. */
    public static final String SAFETENSORS = "model.safetensors";
    public static final String TORCH_BIN = "pytorch_model.bin";
    public static final String CONFIG = "config.json";
    /** The file that marks an OpenCLIP directory, which {@link #isTimmDirectory} leaves to that format. */
    private static final String OPEN_CLIP_CONFIG = "open_clip_config.json";

    private TimmLoader() {}

    /** Loads with float32 parameters. */
    public static VitCheckpoint load(Path dir) throws IOException {
        return load(dir, DataType.FLOAT);
    }

    /** Loads with parameters of {@code type} (FLOAT, or DOUBLE for reference-precision runs). */
    public static VitCheckpoint load(Path dir, DataType type) throws IOException {
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException("parameter type must be FLOAT or DOUBLE, got " + type);
        }
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir + ": not a directory (expected a timm model directory with "
                    + CONFIG + " and " + SAFETENSORS + ")");
        }
        TimmHubConfig cfg = TimmHubConfig.read(dir.resolve(CONFIG));
        Path weights = weightsFile(dir);
        String misfit = weights + " does not fit " + cfg.architecture() + " as configured by " + dir.resolve(CONFIG);
        VisionTransformer model;
        try (TensorFile file = WeightFiles.open(weights)) {
            Map<String, long[]> shapes = file.shapes();
            // Every block has weights of its own: a depth beyond the file's tensor count cannot fit, and is
            // refused before even the model's skeleton (one object tree per block) is built.
            if (cfg.model().depth() > shapes.size()) {
                throw new IllegalArgumentException(misfit + ": the configuration has depth " + cfg.model().depth()
                        + " but the file holds only " + shapes.size() + " tensors");
            }
            // Shapes and types only: no parameter is allocated until the file has been checked against it.
            model = Module.withDeferredInit(() -> new VisionTransformer(cfg.model())).to(type);
            List<String> problems = model.stateDictProblems(shapes, true);
            problems.addAll(WeightFiles.nonFloatingPoint(file, shapes.keySet()));
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(misfit + ": " + problems.size() + " problem(s):\n  "
                        + String.join("\n  ", problems));
            }
            Map<String, INDArray> state = new LinkedHashMap<>();
            for (String name : shapes.keySet()) {
                state.put(name, file.get(name, type));
            }
            model.loadStateDict(state, true); // the arrays read become the parameters: no copy
        }
        String name = cfg.tag().isEmpty() ? cfg.architecture() : cfg.architecture() + "." + cfg.tag();
        return new VitCheckpoint("timm", name, model, cfg.preprocess(), dir, cfg.labelNames());
    }

    /** The weights file of a timm directory: {@code model.safetensors}, else {@code pytorch_model.bin}. */
    public static Path weightsFile(Path dir) throws IOException {
        Path st = dir.resolve(SAFETENSORS);
        if (Files.isRegularFile(st)) {
            return st;
        }
        Path bin = dir.resolve(TORCH_BIN);
        if (Files.isRegularFile(bin)) {
            return bin;
        }
        throw new NoSuchFileException(dir + ": no weights (expected " + SAFETENSORS + " or " + TORCH_BIN + ")");
    }

    /** Reads a state dict from a {@code .safetensors} or PyTorch {@code .bin} file, floats converted to {@code type}. */
    public static Map<String, INDArray> readWeights(Path file, DataType type) throws IOException {
        return WeightFiles.load(file, type);
    }

    /**
     * True for a directory with a {@code config.json} and no {@code open_clip_config.json} (OpenCLIP hub
     * directories may carry a transformers {@code config.json} too). The JSON is deliberately not parsed
     * here: a malformed or incomplete config is reported by {@link #load} (via {@link TimmHubConfig#read})
     * with the file name and what is wrong, rather than as an unrecognised directory.
     */
    public static boolean isTimmDirectory(Path dir) {
        return Files.isRegularFile(dir.resolve(CONFIG)) && !Files.exists(dir.resolve(OPEN_CLIP_CONFIG));
    }

    /** The timm format for {@link VisionModelLoader}. */
    static final class Format implements VisionModelFormat {
        @Override
        public String name() {
            return "timm";
        }

        @Override
        public boolean accepts(Path dir) {
            return isTimmDirectory(dir);
        }

        @Override
        public VitCheckpoint load(Path dir, DataType type) throws IOException {
            return TimmLoader.load(dir, type);
        }
    }
}
