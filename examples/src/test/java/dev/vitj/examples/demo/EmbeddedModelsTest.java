package dev.vitj.examples.demo;

import dev.vitj.clip.ClipModel;
import dev.vitj.clip.OpenClipConfig;
import dev.vitj.clip.ZeroShotClassifier;
import dev.vitj.clip.train.ClipTraining;
import dev.vitj.core.data.Batch;
import dev.vitj.core.data.DataLoader;
import dev.vitj.core.data.Normalize;
import dev.vitj.core.data.ShapesDataset;
import dev.vitj.vit.VisionTransformer;
import dev.vitj.vit.train.VitTraining;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The two models shipped in the examples jar for {@code vitj demo}: present, built from the presets that the
 * documented training commands use ({@code README-models.md}), with a tokenizer learned by vitj, and trained
 * (well above chance on held-out shapes images, which training never saw). The thresholds are floors well
 * under what the shipped models reach (zero-shot large vs small accuracy about 0.85; classifier about 0.45),
 * so they catch a broken loader, a random or swapped model, not small numerical changes.
 */
class EmbeddedModelsTest {
    /** Held-out images per check. */
    private static final int IMAGES = 200;

    @Test
    void embeddedClipIsTheShapesSmallPresetWithItsOwnVocabularyAndKnowsLargeFromSmall() throws IOException {
        assertTrue(DemoModel.Embedded.CLIP.available(), "the examples jar must carry the default CLIP");
        DemoModel.Loaded loaded = DemoModel.embedded(DemoModel.Embedded.CLIP);
        ClipModel clip = loaded.clip();

        OpenClipConfig shipped = clip.config();
        OpenClipConfig preset = ClipTraining.preset("shapes-small", shipped.text().vocabSize());
        assertEquals(preset.embedDim(), shipped.embedDim(), "embed_dim");
        assertEquals(preset.quickGelu(), shipped.quickGelu(), "quick_gelu");
        assertEquals(preset.vision(), shipped.vision(), "vision_cfg");
        assertEquals(preset.text(), shipped.text(), "text_cfg");
        assertEquals(preset.preprocess().size(), shipped.preprocess().size(), "preprocess size");
        assertArrayEquals(preset.preprocess().mean(), shipped.preprocess().mean(), "preprocess mean");
        assertArrayEquals(preset.preprocess().std(), shipped.preprocess().std(), "preprocess std");

        // A vocabulary learned from the shapes captions, not OpenAI's 49,408 tokens (not redistributed here).
        int vocab = shipped.text().vocabSize();
        assertTrue(vocab > 256 && vocab < 2000, "vocabulary of " + vocab + " tokens");
        assertEquals(vocab, clip.tokenizer().vocabSize(), "tokenizer vs config vocab_size");

        // Zero-shot large vs small with the demo's prompts, on held-out images.
        ShapesDataset test = new ShapesDataset(ShapesDataset.Config.of(IMAGES, 0)
                .withImageSize(shipped.vision().imageSize()).withSplit(ShapesDataset.Split.TEST));
        ZeroShotClassifier zs = clip.zeroShot(SizeClassification.CLASSES, SizeClassification.templates());
        int correct = 0;
        DataLoader loader = loader(test, shipped.preprocess().mean(), shipped.preprocess().std());
        for (int b = 0; b < loader.batchesPerEpoch(); b++) {
            Batch batch = loader.batch(0, b);
            int[] predicted = zs.predict(clip.encodeImage(batch.images(), true).toFloatMatrix());
            for (int i = 0; i < predicted.length; i++) {
                ShapesDataset.Size size = test.scene(b * Encodings.BATCH + i).size();
                int truth = SizeClassification.CLASSES.indexOf(size == ShapesDataset.Size.LARGE ? "large" : "small");
                correct += predicted[i] == truth ? 1 : 0;
            }
        }
        double accuracy = (double) correct / IMAGES;
        System.out.printf(Locale.ROOT, "embedded CLIP: zero-shot large vs small accuracy %.3f on %d held-out images%n",
                accuracy, IMAGES);
        assertTrue(accuracy >= 0.70, "zero-shot large vs small accuracy " + accuracy + " < 0.70 (chance 0.5)");
    }

    @Test
    void embeddedVitIsTheShapesSmallPresetAndClassifiesShapesAboveChance() throws IOException {
        assertTrue(DemoModel.Embedded.VIT.available(), "the examples jar must carry the default ViT classifier");
        DemoModel.Loaded loaded = DemoModel.embedded(DemoModel.Embedded.VIT);
        VisionTransformer vit = loaded.vision();
        assertEquals(VitTraining.shapesSmallModel(5), vit.config(), "config.json vs the shapes-small preset");

        List<String> shapes = Arrays.stream(ShapesDataset.Shape.values()).map(ShapesDataset.Shape::word).toList();
        assertEquals(shapes, loaded.labelNames(), "label_names");

        ShapesDataset test = new ShapesDataset(ShapesDataset.Config.of(IMAGES, 0)
                .withImageSize(vit.config().imgSize()).withSplit(ShapesDataset.Split.TEST));
        DataLoader loader = loader(test, loaded.preprocess().mean(), loaded.preprocess().std());
        int correct = 0;
        for (int b = 0; b < loader.batchesPerEpoch(); b++) {
            Batch batch = loader.batch(0, b);
            INDArray logits = vit.forward(batch.images()); // [B, 5]
            int[] predicted = logits.argMax(1).toIntVector();
            for (int i = 0; i < predicted.length; i++) {
                correct += predicted[i] == batch.labels()[i] ? 1 : 0;
            }
        }
        double accuracy = (double) correct / IMAGES;
        System.out.printf(Locale.ROOT, "embedded ViT: shape accuracy %.3f on %d held-out images%n", accuracy, IMAGES);
        assertTrue(accuracy >= 0.30, "shape accuracy " + accuracy + " < 0.30 (chance 0.20)");
    }

    private static DataLoader loader(ShapesDataset data, float[] mean, float[] std) {
        return new DataLoader(data, new Normalize(mean, std),
                DataLoader.Options.of(Encodings.BATCH).withShuffle(false).withPrefetch(0));
    }
}
