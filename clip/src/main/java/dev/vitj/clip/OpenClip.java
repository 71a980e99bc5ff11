package dev.vitj.clip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vitj.clip.tokenizer.ClipTokenizer;
import dev.vitj.core.image.ImagePreprocessor;
import dev.vitj.core.image.Interpolation;
import dev.vitj.core.image.PreprocessConfig;
import dev.vitj.core.image.ResizeMode;
import dev.vitj.core.io.AtomicFiles;
import dev.vitj.core.io.SafeTensors;
import dev.vitj.core.io.TensorFile;
import dev.vitj.core.io.WeightFiles;
import dev.vitj.core.nn.Module;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * An OpenCLIP model opened from a directory laid out as on the Hugging Face hub: the model, its
 * tokenizer and the image preprocessing its weights expect.
 *
 * <pre>{@code
 * OpenClip clip = OpenClip.load(Path.of("CLIP-ViT-B-16-laion2B-s34B-b88K"));
 * float[][] images = clip.embedImages(List.of(Path.of("cat.jpg")), true);       // [1, 512], unit rows
 * ZeroShotClassifier zs = clip.model().zeroShot(List.of("cat", "dog"), ZeroShotClassifier.DEFAULT_TEMPLATES);
 * float[][] probs = zs.probabilities(images);
 * }</pre>
 *
 * <p>A directory holds {@value #CONFIG} ({@code model_cfg} + {@code preprocess_cfg}, see
 * {@link OpenClipConfig}) and the weights, {@value #SAFETENSORS} (preferred) or {@value #TORCH_BIN};
 * the model is built from {@code model_cfg} alone. The tokenizer comes from the files beside them
 * ({@code vocab.json} + {@code merges.txt}, {@code tokenizer.json} or {@code bpe_simple_vocab_16e6.txt.gz},
 * see {@link ClipTokenizer#fromDirectory}); without any of them the model still loads but can only encode
 * token ids.
 */
public final class OpenClip {
    /** The file names of a hub directory. */
    public static final String CONFIG = "open_clip_config.json";
    public static final String SAFETENSORS = "open_clip_model.safetensors";
    public static final String TORCH_BIN = "open_clip_pytorch_model.bin";

    private static final List<String> TOKENIZER_FILES = List.of(ClipTokenizer.VOCAB_JSON, ClipTokenizer.MERGES_TXT,
            ClipTokenizer.TOKENIZER_JSON, ClipTokenizer.OPENAI_BPE_GZ);

    private final ClipModel model;
    private final PreprocessConfig preprocess;
    private final Path source;
    private final Path weightsFile;

    private OpenClip(ClipModel model, PreprocessConfig preprocess, Path source, Path weightsFile) {
        this.model = model;
        this.preprocess = preprocess;
        this.source = source;
        this.weightsFile = weightsFile;
    }

    /** Opens a hub directory with float32 parameters. */
    public static OpenClip load(Path dir) throws IOException {
        return load(dir, DataType.FLOAT);
    }

    /**
     * Opens a hub directory.
     *
     * @param type FLOAT, or DOUBLE for reference-precision runs
     * @throws IOException              for a missing or unreadable file, naming it
     * @throws IllegalArgumentException for an unsupported configuration (naming the key) or weights that do
     *                                  not fit it (naming every offending key; checked on the file's header,
     *                                  before anything large is allocated)
     */
    public static OpenClip load(Path dir, DataType type) throws IOException {
        checkType(type);
        Config cfg = readConfig(dir);
        ClipTokenizer tokenizer = tokenizer(dir);
        Path weights = weightsFile(dir);
        ClipModel model = loadWeights(weights, type, cfg.model(), "", k -> true,
                () -> new ClipModel(cfg.model(), tokenizer));
        return new OpenClip(model, cfg.preprocess(), dir, weights);
    }

    /**
     * Writes {@code model} as an OpenCLIP model directory that {@link #load} (and open_clip) reads:
     * {@value #SAFETENSORS} (open_clip's key names, float32 as stored in the model), {@value #CONFIG}
     * ({@code model_cfg} + {@code preprocess_cfg} of the model's config) and, when the model has a tokenizer,
     * its {@code vocab.json} + {@code merges.txt}. Each file is written atomically; the config last, so a
     * directory is only recognised once its weights are complete.
     *
     * @throws IOException when a file cannot be written, naming it
     */
    public static void save(ClipModel model, Path dir) throws IOException {
        if (model == null) {
            throw new IllegalArgumentException("OpenClip.save: model is null");
        }
        Files.createDirectories(dir);
        if (model.tokenizer() != null) {
            model.tokenizer().vocabulary().writeHuggingFace(dir);
        }
        SafeTensors.write(dir.resolve(SAFETENSORS), model.openClipStateDict(), Map.of("format", "pt"));
        byte[] json = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(model.config().toJson());
        AtomicFiles.write(dir.resolve(CONFIG), json);
    }

    /** The model (in inference mode). */
    public ClipModel model() {
        return model;
    }

    /** The tokenizer, or null when the directory has no tokenizer files. */
    public ClipTokenizer tokenizer() {
        return model.tokenizer();
    }

    /** The model's configuration. */
    public OpenClipConfig config() {
        return model.config();
    }

    /** The evaluation transform of the weights (open_clip's {@code image_transform(is_train=False)}). */
    public PreprocessConfig preprocess() {
        return preprocess;
    }

    /** A preprocessor for {@link #preprocess()}. */
    public ImagePreprocessor preprocessor() {
        return new ImagePreprocessor(preprocess);
    }

    /** The directory it was loaded from. */
    public Path source() {
        return source;
    }

    /** The weights file that was read. */
    public Path weightsFile() {
        return weightsFile;
    }

    /**
     * Image features, one row per file in order, {@value ClipModel#BATCH} images decoded and encoded at a
     * time (so memory does not grow with the number of files).
     *
     * @param normalize L2-normalise the rows
     * @throws IOException naming a file that cannot be decoded
     */
    public float[][] embedImages(List<Path> files, boolean normalize) throws IOException {
        if (files == null || files.isEmpty()) {
            throw new IllegalArgumentException("embedImages: no image files given");
        }
        ImagePreprocessor pre = preprocessor();
        float[][] out = new float[files.size()][];
        for (int start = 0; start < files.size(); start += ClipModel.BATCH) {
            int end = Math.min(files.size(), start + ClipModel.BATCH);
            INDArray pixels = pre.pixels(files.subList(start, end)); // [b, 3, S, S]
            INDArray f = model.encodeImage(pixels, normalize);
            float[][] rows = f.castTo(DataType.FLOAT).toFloatMatrix();
            System.arraycopy(rows, 0, out, start, rows.length);
            pixels.close();
            f.close();
        }
        return out;
    }

    /** Text features, one row per text in order, {@value ClipModel#BATCH} at a time. */
    public float[][] embedTexts(List<String> texts, boolean normalize) {
        INDArray f = model.encodeText(texts, normalize);
        float[][] rows = f.castTo(DataType.FLOAT).toFloatMatrix();
        f.close();
        return rows;
    }

    /** A retrieval index over image files (ids: the paths as given), embedded {@value ClipModel#BATCH} at a time. */
    public EmbeddingIndex indexImages(List<Path> files) throws IOException {
        List<String> ids = new ArrayList<>(files.size());
        for (Path p : files) {
            ids.add(p.toString());
        }
        return EmbeddingIndex.of(ids, embedImages(files, true));
    }

    // ---- the files of a hub directory ----

    /** The configuration and preprocessing of a directory. */
    record Config(OpenClipConfig model, PreprocessConfig preprocess) {}

    /** Reads {@value #CONFIG}: the model config and the preprocessing it implies. */
    static Config readConfig(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir + ": not a directory (expected an OpenCLIP model directory with "
                    + CONFIG + " and " + SAFETENSORS + " or " + TORCH_BIN + ")");
        }
        Path file = dir.resolve(CONFIG);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file + ": missing (an OpenCLIP directory has " + CONFIG + ")");
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        try {
            OpenClipConfig cfg = OpenClipConfig.fromJson(root);
            return new Config(cfg, preprocessConfig(cfg.preprocess(), root.path("preprocess_cfg").get("fill_color")));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * open_clip's evaluation transform for a {@code preprocess_cfg}: resize in the image's own mode
     * ({@code shortest}, {@code longest} with padding in {@code fill_color}, or {@code squash}), centre
     * crop, RGB, mean/std.
     */
    public static PreprocessConfig preprocessConfig(OpenClipConfig.Preprocess p, JsonNode fillColor) {
        int fill = 0;
        if (fillColor != null && !fillColor.isNull()) {
            if (!fillColor.isIntegralNumber() || fillColor.intValue() < 0 || fillColor.intValue() > 255) {
                throw new IllegalArgumentException("preprocess_cfg.fill_color: expected an integer 0..255, got "
                        + fillColor);
            }
            fill = fillColor.intValue();
        }
        return PreprocessConfig.openClip(p.size(), p.mean(), p.std(), Interpolation.fromName(p.interpolation()),
                ResizeMode.fromName(p.resizeMode()), fill);
    }

    /** The weights of a directory: {@value #SAFETENSORS}, else {@value #TORCH_BIN}. */
    public static Path weightsFile(Path dir) throws IOException {
        Path st = dir.resolve(SAFETENSORS);
        if (Files.isRegularFile(st)) {
            return st;
        }
        Path bin = dir.resolve(TORCH_BIN);
        if (Files.isRegularFile(bin)) {
            return bin;
        }
        throw new NoSuchFileException(dir + ": no OpenCLIP weights (expected " + SAFETENSORS + " or " + TORCH_BIN + ")");
    }

    /** True for a directory with an {@value #CONFIG} (a cheap check; {@link #load} validates the rest). */
    public static boolean isOpenClipDirectory(Path dir) {
        return Files.isDirectory(dir) && Files.isRegularFile(dir.resolve(CONFIG));
    }

    /** The tokenizer of a directory, or null when it has none of the tokenizer files. */
    static ClipTokenizer tokenizer(Path dir) throws IOException {
        for (String f : TOKENIZER_FILES) {
            if (Files.isRegularFile(dir.resolve(f))) {
                return ClipTokenizer.fromDirectory(dir);
            }
        }
        return null;
    }

    /**
     * Builds a model with {@code build} and fills it from the tensors of {@code file} whose names pass
     * {@code keep}, floats converted to {@code type}, header first: the tensors' names, shapes and types are
     * compared with the model's (through {@link OpenClipKeys}) before any tensor is read or any parameter
     * allocated, and the model is built without a random initialisation, so loading needs about the
     * model's size in memory.
     *
     * @param prefix {@code ""} for a {@link ClipModel}, {@code "visual."} for its vision tower alone (then
     *               {@code keep} must pass only the {@code visual.} tensors)
     * @throws IllegalArgumentException naming the file and every missing, unexpected, misshapen or non-float key
     */
    static <M extends Module> M loadWeights(Path file, DataType type, OpenClipConfig cfg, String prefix,
                                            Predicate<String> keep, Supplier<M> build) throws IOException {
        try (TensorFile weights = WeightFiles.open(file)) {
            Map<String, long[]> shapes = new LinkedHashMap<>();
            for (String name : weights.names()) {
                if (keep.test(name)) {
                    shapes.put(name, weights.shape(name));
                }
            }
            // Every block has weights of its own: more blocks than the file has tensors cannot fit, and are
            // refused before even the model's skeleton (one object tree per block) is built.
            int blocks = cfg.vision().layers() + (prefix.isEmpty() ? cfg.text().layers() : 0);
            if (blocks > shapes.size()) {
                throw OpenClipKeys.misfit(file.toString(), List.of("the configuration has " + blocks
                        + " transformer blocks but the file holds only " + shapes.size() + " tensors"));
            }
            // Shapes and types only: no parameter is allocated until the file has been checked against it.
            M model = Module.withDeferredInit(build);
            model.to(type);
            OpenClipKeys keys = new OpenClipKeys(cfg, OpenClipKeys.isCustomText(shapes.keySet()));
            List<String> problems = keys.problems(model, prefix, shapes);
            problems.addAll(WeightFiles.nonFloatingPoint(weights, shapes.keySet()));
            if (!problems.isEmpty()) {
                throw OpenClipKeys.misfit(file.toString(), problems);
            }
            Map<String, INDArray> state = new LinkedHashMap<>();
            for (String name : shapes.keySet()) {
                if (!OpenClipKeys.isDropped(name)) {
                    state.put(name, weights.get(name, type));
                }
            }
            keys.load(model, prefix, state, file.toString()); // the arrays read become the parameters
            return model;
        }
    }

    static void checkType(DataType type) {
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException("parameter type must be FLOAT or DOUBLE, got " + type);
        }
    }
}
