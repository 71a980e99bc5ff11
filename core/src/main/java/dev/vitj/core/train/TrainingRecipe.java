package dev.vitj.core.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vitj.core.data.DataLoader;
import dev.vitj.core.data.Dataset;
import dev.vitj.core.data.ShapesDataset;
import dev.vitj.core.io.AtomicFiles;
import dev.vitj.core.optim.AdamW;
import dev.vitj.core.optim.ParamGroups;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What the training recipes ({@code VitTraining}, {@code ClipTraining}) have in common: the data source (the
 * synthetic {@link ShapesDataset} or a folder) and how the shapes are drawn, the optimisation settings (epochs,
 * batch size, AdamW's peak learning rate and weight decay, warmup, gradient clipping, early stopping), the seed
 * and the log; the settings file {@value #ARGS} of the output folder; and the {@link Trainer} they both build
 * (AdamW without decay on norms, biases and embeddings, linear warmup then cosine decay per step).
 *
 * <p>Settings are chained setters, validated at once; a recipe adds its own settings, its model and its
 * {@code run}.
 *
 * @param <R> the recipe itself, so that chained setters return it
 */
public abstract class TrainingRecipe<R extends TrainingRecipe<R>> {
    /** The settings file in the output folder; a recipe's {@code resume} reads it. */
    public static final String ARGS = "training_args.json";
    /** The value of {@link #data} that selects the synthetic shapes. */
    public static final String SHAPES = "shapes";

    /** Reads and writes the settings file (indented, fields in the order written). */
    protected static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final String folderKind;
    private String data = SHAPES;
    private int trainSize = 4000;
    private int valSize = 1000;
    private ShapesDataset.Size objectSize; // null: both sizes
    private double valFraction = 0.1;
    private int epochs = 30;
    private int batchSize = 64;
    private double lr;
    private double weightDecay;
    private int warmupEpochs;
    private int patience;
    private double clipGradNorm = 1.0;
    private long seed;
    private PrintStream log;
    private boolean progressBar;

    /**
     * @param folderKind   what a folder given to {@link #data} holds, for messages ("a caption folder")
     * @param lr           the default peak learning rate
     * @param weightDecay  the default weight decay
     * @param warmupEpochs the default warmup
     */
    protected TrainingRecipe(String folderKind, double lr, double weightDecay, int warmupEpochs) {
        this.folderKind = folderKind;
        this.lr = lr;
        this.weightDecay = weightDecay;
        this.warmupEpochs = warmupEpochs;
    }

    @SuppressWarnings("unchecked")
    private R self() {
        return (R) this;
    }

    // ---- settings ----

    /** {@value #SHAPES} or a folder of the recipe's kind. */
    public R data(String source) {
        if (source == null || source.isBlank()) {
            throw new IllegalArgumentException("data source is empty (expected \"shapes\" or " + folderKind + ")");
        }
        this.data = source;
        return self();
    }

    /** Shapes only: training and validation examples. */
    public R shapesSizes(int train, int val) {
        positive("shapes training size", train);
        positive("shapes validation size", val);
        this.trainSize = train;
        this.valSize = val;
        return self();
    }

    /**
     * Shapes only: keep only objects of this size (null: both, the default). At 32 px a small object is about 6
     * pixels across, less than a patch of 8, and its shape is learned far more slowly than a large one's.
     */
    public R shapesObjectSize(ShapesDataset.Size size) {
        this.objectSize = size;
        return self();
    }

    /** Folders without a separate validation part: the fraction held out for validation. */
    public R valFraction(double f) {
        if (!(f > 0 && f < 1)) {
            throw new IllegalArgumentException("validation fraction must be in (0, 1), got " + f);
        }
        this.valFraction = f;
        return self();
    }

    /** Epochs of the schedule. */
    public R epochs(int n) {
        positive("epochs", n);
        this.epochs = n;
        return self();
    }

    /** Examples per batch. */
    public R batchSize(int n) {
        positive("batch size", n);
        this.batchSize = n;
        return self();
    }

    /** Peak learning rate (after warmup). */
    public R lr(double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("learning rate must be finite and > 0, got " + v);
        }
        this.lr = v;
        return self();
    }

    /** AdamW's weight decay (not on norms, biases and embeddings). */
    public R weightDecay(double v) {
        finiteNonNegative("weight decay", v);
        this.weightDecay = v;
        return self();
    }

    /** Epochs of linear warmup (must be fewer than the epochs). */
    public R warmupEpochs(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("warmup epochs must be >= 0, got " + n);
        }
        this.warmupEpochs = n;
        return self();
    }

    /** Early stopping after this many epochs without improvement of the monitored value; 0: never. */
    public R patience(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("patience must be >= 0 (0: no early stopping), got " + n);
        }
        this.patience = n;
        return self();
    }

    /** Gradient-norm bound; 0: no clipping. */
    public R clipGradNorm(double v) {
        finiteNonNegative("gradient clipping norm", v);
        this.clipGradNorm = v;
        return self();
    }

    /** Seeds everything: the shapes, the split, the initialisation, the shuffles and the recipe's randomness. */
    public R seed(long s) {
        this.seed = s;
        return self();
    }

    /** Where to report epochs (null: silent), and whether to draw a live progress bar there. */
    public R log(PrintStream out, boolean progress) {
        this.log = out;
        this.progressBar = progress;
        return self();
    }

    /** The data source: {@value #SHAPES} or a folder. */
    public String data() {
        return data;
    }

    /** Shapes only: training examples. */
    public int shapesTrainSize() {
        return trainSize;
    }

    /** Shapes only: validation examples. */
    public int shapesValSize() {
        return valSize;
    }

    public double valFraction() {
        return valFraction;
    }

    public int epochs() {
        return epochs;
    }

    public int batchSize() {
        return batchSize;
    }

    public double lr() {
        return lr;
    }

    public double weightDecay() {
        return weightDecay;
    }

    public int warmupEpochs() {
        return warmupEpochs;
    }

    public int patience() {
        return patience;
    }

    public double clipGradNorm() {
        return clipGradNorm;
    }

    public long seed() {
        return seed;
    }

    /** Where epochs are reported, or null. */
    protected PrintStream log() {
        return log;
    }

    /** Whether the data are the synthetic shapes. */
    protected boolean shapes() {
        return data.equals(SHAPES);
    }

    private static void positive(String what, int n) {
        if (n <= 0) {
            throw new IllegalArgumentException(what + " must be positive, got " + n);
        }
    }

    private static void finiteNonNegative(String what, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(what + " must be finite and >= 0, got " + v);
        }
    }

    // ---- the settings file ----

    /** The settings as written to {@value #ARGS}. */
    public abstract ObjectNode toJson();

    /** Writes the data settings: the source, the shapes' sizes and object size, the validation fraction. */
    protected void putDataSettings(ObjectNode o) {
        o.put("data", data);
        o.put("shapes_train_size", trainSize);
        o.put("shapes_val_size", valSize);
        if (objectSize != null) {
            o.put("shapes_object_size", objectSize.word());
        }
        o.put("val_fraction", valFraction);
    }

    /** Writes the schedule: epochs, batch size, learning rate, weight decay, warmup. */
    protected void putScheduleSettings(ObjectNode o) {
        o.put("epochs", epochs);
        o.put("batch_size", batchSize);
        o.put("lr", lr);
        o.put("weight_decay", weightDecay);
        o.put("warmup_epochs", warmupEpochs);
    }

    /** The settings file of the run in {@code out}, parsed. */
    protected static JsonNode readSettingsFile(Path out) throws IOException {
        Path file = out.resolve(ARGS);
        try {
            return JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file + ": no such file (not a vitj training folder, or training never started)");
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Applies the settings every recipe has from a parsed settings file (as {@link #putDataSettings} and
     * {@link #putScheduleSettings} wrote them, with patience, gradient clipping and the seed).
     *
     * @throws IllegalArgumentException for a missing or invalid value
     */
    protected R readCommonSettings(JsonNode o) {
        data(text(o, "data")).shapesSizes(o.path("shapes_train_size").asInt(), o.path("shapes_val_size").asInt())
                .valFraction(o.path("val_fraction").asDouble())
                .epochs(o.path("epochs").asInt()).batchSize(o.path("batch_size").asInt()).lr(o.path("lr").asDouble())
                .weightDecay(o.path("weight_decay").asDouble()).warmupEpochs(o.path("warmup_epochs").asInt())
                .patience(o.path("patience").asInt()).clipGradNorm(o.path("clip_grad_norm").asDouble())
                .seed(o.path("seed").asLong());
        if (o.hasNonNull("shapes_object_size")) {
            shapesObjectSize(ShapesDataset.Size.valueOf(o.get("shapes_object_size").asText().toUpperCase(Locale.ROOT)));
        }
        return self();
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("\"" + field + "\" must be a string");
        }
        return v.asText();
    }

    /** Writes {@link #toJson} to {@code out}'s {@value #ARGS} (atomically). */
    protected void writeSettingsFile(Path out) throws IOException {
        AtomicFiles.write(out.resolve(ARGS), JSON.writeValueAsBytes(toJson()));
    }

    // ---- the run ----

    /**
     * Checks the settings and the output folder before a run.
     *
     * @throws IllegalArgumentException when the warmup is not shorter than the schedule
     * @throws IllegalStateException     when {@code out} already holds a run and {@code resume} is false
     * @throws NoSuchFileException       when resuming and {@code out} holds no checkpoint
     */
    protected void checkCanRun(Path out, boolean resume) throws NoSuchFileException {
        if (warmupEpochs >= epochs) {
            throw new IllegalArgumentException("warmup epochs (" + warmupEpochs + ") must be fewer than epochs (" + epochs + ")");
        }
        boolean started = Checkpoint.exists(out.resolve(Trainer.LAST));
        if (started && !resume) {
            throw new IllegalStateException(out + " already holds a training run (" + Trainer.LAST
                    + "); resume it or choose another output folder");
        }
        if (!started && resume) {
            throw new NoSuchFileException(out.resolve(Trainer.LAST) + ": no checkpoint to resume from");
        }
    }

    /**
     * The synthetic shapes at {@code imageSize}: training and validation parts from disjoint random streams of
     * the seed, each only of {@link #shapesObjectSize} objects when that is set.
     */
    protected DatasetSplit shapesData(int imageSize) {
        ShapesDataset train = new ShapesDataset(ShapesDataset.Config.of(trainSize, seed).withImageSize(imageSize));
        ShapesDataset val = train.split(ShapesDataset.Split.VAL, valSize);
        if (objectSize == null) {
            return new DatasetSplit(train, val);
        }
        return new DatasetSplit(ofSize(train, trainSize), ofSize(val, valSize));
    }

    /** The first {@code count} examples of {@code shapes}' stream whose object has {@link #objectSize}. */
    private Dataset ofSize(ShapesDataset shapes, int count) {
        // scenes are drawn without rendering; about half the stream has each size
        ShapesDataset stream = new ShapesDataset(shapes.config().withCount(Math.max(64, 4 * count)));
        int[] keep = new int[count];
        int found = 0;
        for (int i = 0; i < stream.size() && found < count; i++) {
            if (stream.scene(i).size() == objectSize) {
                keep[found++] = i;
            }
        }
        if (found < count) {
            throw new IllegalStateException("only " + found + " " + objectSize.word() + " objects among "
                    + stream.size() + " shapes");
        }
        return new DatasetSplit.Subset(stream, keep);
    }

    /** Folders without a separate validation part: the seeded random split of {@code all}. */
    protected DatasetSplit split(Dataset all) {
        return DatasetSplit.of(all, valFraction, seed);
    }

    /** The training batches' options: {@link #batchSize}, shuffled by a stream of the seed of their own. */
    protected DataLoader.Options trainLoaderOptions() {
        return DataLoader.Options.of(batchSize).withSeed(seed ^ 0x5DEECE66DL);
    }

    /**
     * The trainer of a recipe: AdamW with {@code optimiser}'s betas on {@code task}'s model (no weight decay on
     * norms, biases and embeddings), linear warmup then cosine decay per step over the planned {@link #epochs},
     * gradient clipping, early stopping on {@code monitor}, checkpoints, history and curves in {@code out}.
     *
     * @param runEpochs the epochs to run now (at most {@link #epochs}; the schedule stays the planned one)
     */
    protected Trainer trainer(TrainingTask task, AdamW.Config optimiser, DataLoader train, DataLoader val,
                              int runEpochs, String monitor, Path out) {
        AdamW opt = new AdamW(ParamGroups.decayAndNoDecay(task.model().namedParameters(), weightDecay), optimiser);
        return new Trainer(task, opt, Trainer.warmupCosine(lr, warmupEpochs, epochs, train.batchesPerEpoch()), train,
                val, Trainer.Options.of(runEpochs).withClipGradNorm(clipGradNorm).withMonitor(monitor)
                .withPatience(patience).withSeed(seed).withOutDir(out).withLog(log).withProgressBar(progressBar));
    }
}
