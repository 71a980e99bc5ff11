package dev.vitj.examples.demo;

import dev.vitj.clip.ClipModel;
import dev.vitj.clip.OpenClip;
import dev.vitj.clip.OpenClipVisionFormat;
import dev.vitj.clip.tokenizer.ClipTokenizer;
import dev.vitj.core.image.PreprocessConfig;
import dev.vitj.vit.TimmLoader;
import dev.vitj.vit.VisionModelLoader;
import dev.vitj.vit.VisionTransformer;
import dev.vitj.vit.VitCheckpoint;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A model the demo analyses: a model directory given on the command line (OpenCLIP, or a timm ViT
 * without a text tower), or one of the small default models embedded in the jar as classpath resources
 * ({@link Embedded}: a CLIP model under {@value #RESOURCE_DIR}, a ViT shape classifier under
 * {@value #VIT_RESOURCE_DIR}, each in its hub layout).
 *
 * <p>A jar cannot be listed like a directory, so an embedded model is found by its known file names,
 * copied to a temporary directory, loaded like any model directory and the copy deleted again (the
 * weights are in memory by then).
 */
final class DemoModel {
    /** Where the embedded default CLIP model lives on the classpath. */
    static final String RESOURCE_DIR = "dev/vitj/examples/default-clip/";
    /** Where the embedded ViT classifier (the default comparison model) lives on the classpath. */
    static final String VIT_RESOURCE_DIR = "dev/vitj/examples/default-vit/";

    /** Notes about an embedded model shipped beside it (how it was trained), read into the report. */
    static final String NOTES = "README-models.md";

    private DemoModel() {}

    /** The models a build may carry as classpath resources. */
    enum Embedded {
        /** The default model: a small CLIP, an OpenCLIP hub directory. */
        CLIP(RESOURCE_DIR, "embedded CLIP", "embedded default model",
                List.of(OpenClip.CONFIG, OpenClip.SAFETENSORS, OpenClip.TORCH_BIN, ClipTokenizer.VOCAB_JSON,
                        ClipTokenizer.MERGES_TXT, ClipTokenizer.TOKENIZER_JSON, ClipTokenizer.OPENAI_BPE_GZ),
                List.of(OpenClip.CONFIG)),
        /** The default comparison model: a small ViT shape classifier, a timm hub directory. */
        VIT(VIT_RESOURCE_DIR, "embedded ViT", "embedded ViT shape classifier",
                List.of(TimmLoader.CONFIG, TimmLoader.SAFETENSORS),
                List.of(TimmLoader.CONFIG, TimmLoader.SAFETENSORS));

        final String resourceDir;
        final String shortName;
        final String title;
        /** Files that are copied when present. */
        final List<String> files;
        /** Files whose presence means the build carries this model. */
        final List<String> required;

        Embedded(String resourceDir, String shortName, String title, List<String> files, List<String> required) {
            this.resourceDir = resourceDir;
            this.shortName = shortName;
            this.title = title;
            this.files = files;
            this.required = required;
        }

        /** Whether this build carries the model. */
        boolean available() {
            return required.stream().allMatch(f -> DemoModel.class.getClassLoader().getResource(resourceDir + f) != null);
        }

        private InputStream resource(String name) {
            return DemoModel.class.getClassLoader().getResourceAsStream(resourceDir + name);
        }
    }

    /**
     * A loaded model and where it came from.
     *
     * @param vision      the image tower (a CLIP model's, or a timm ViT)
     * @param preprocess  the image transform its weights expect
     * @param clip        the CLIP model with its text tower, or null for a vision-only model (no zero-shot)
     * @param format      {@code open_clip} or {@code timm}
     * @param description for the report, e.g. "embedded default model" or the directory
     * @param shortName   a few words for figure titles, e.g. "embedded CLIP" or the directory's name
     * @param embedded    whether it is one of the embedded models
     * @param notes       an embedded model's {@value #NOTES}, or null
     * @param labelNames  the classifier head's class names (timm {@code label_names}), or null when the
     *                    model has no named classes
     */
    record Loaded(VisionTransformer vision, PreprocessConfig preprocess, ClipModel clip, String format,
                  String description, String shortName, boolean embedded, String notes, List<String> labelNames) {
        /** Whether the model has a text tower and tokenizer, so prompts can be embedded. */
        boolean canZeroShot() {
            return clip != null && clip.tokenizer() != null;
        }

        /**
         * Whether the image embedding is the head's output (CLIP: the projection into the joint space) or,
         * for a classifier, the pooled features before its head (timm's {@code pre_logits}).
         */
        boolean embeddingIsHeadOutput() {
            return clip != null;
        }
    }

    /** Whether this build carries the embedded default CLIP model. */
    static boolean embeddedAvailable() {
        return Embedded.CLIP.available();
    }

    /**
     * Opens a model directory: OpenCLIP (both towers; without tokenizer files the text tower is unusable
     * and zero-shot is left out) or anything {@link VisionModelLoader} reads, e.g. a timm ViT.
     */
    static Loaded fromDirectory(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        Path name = abs.getFileName();
        return open(dir, abs.toString(), null, name == null ? abs.toString() : name.toString(), false, null);
    }

    /** Loads the embedded default CLIP model. */
    static Loaded embedded() throws IOException {
        return embedded(Embedded.CLIP);
    }

    /**
     * Loads an embedded model.
     *
     * @throws IllegalStateException when this build does not carry it
     */
    static Loaded embedded(Embedded which) throws IOException {
        if (!which.available()) {
            throw new IllegalStateException("this build has no " + which.title + " (classpath resources "
                    + which.resourceDir + String.join(", ", which.required) + " are missing); name a model"
                    + " directory instead, e.g. vitj demo --model DIR");
        }
        Path tmp = Files.createTempDirectory("vitj-demo-model");
        try {
            for (String name : which.files) {
                try (InputStream in = which.resource(name)) {
                    if (in != null) {
                        Files.copy(in, tmp.resolve(name));
                    }
                }
            }
            String notes = null;
            try (InputStream in = which.resource(NOTES)) {
                if (in != null) {
                    notes = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
            Loaded loaded = open(tmp, which.title, "classpath " + which.resourceDir, which.shortName, true, notes);
            if (which == Embedded.CLIP && !loaded.canZeroShot()) {
                throw new IllegalStateException("the embedded default model has no tokenizer files under "
                        + which.resourceDir);
            }
            return loaded;
        } finally {
            deleteTree(tmp);
        }
    }

    /**
     * Loads whichever kind of model directory {@code dir} is.
     *
     * @param label  what the description starts with (the directory, or what an embedded model is)
     * @param origin where it came from, for the description's parenthesis, or null
     */
    private static Loaded open(Path dir, String label, String origin, String shortName, boolean embedded,
                               String notes) throws IOException {
        if (OpenClip.isOpenClipDirectory(dir)) {
            OpenClip clip = OpenClip.load(dir);
            String description = origin == null ? label : label + " (" + origin + ")";
            return new Loaded(clip.model().visual(), clip.preprocess(), clip.model(), OpenClipVisionFormat.NAME,
                    description, shortName, embedded, notes, null);
        }
        VitCheckpoint ckpt = VisionModelLoader.load(dir);
        String description = label + " (" + ckpt.name() + (origin == null ? "" : ", " + origin) + ")";
        if (ckpt.preprocess() == null) {
            throw new IllegalArgumentException(description + ": the model takes " + ckpt.config().inChans()
                    + "-channel input; the demo needs a model for RGB images");
        }
        return new Loaded(ckpt.model(), ckpt.preprocess(), null, ckpt.format(), description, shortName, embedded,
                notes, ckpt.labelNames());
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
