package dev.vitj.clip.train;

import dev.vitj.clip.OpenClip;
import dev.vitj.clip.ZeroShotClassifier;
import dev.vitj.core.data.Batch;
import dev.vitj.core.data.DataLoader;
import dev.vitj.core.data.Normalize;
import dev.vitj.core.data.ShapesDataset;
import dev.vitj.core.train.DatasetSplit;
import dev.vitj.core.train.EpochRecord;
import dev.vitj.core.train.History;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Evidence that contrastive training works: the {@code shapes-tiny} CLIP, trained from scratch for a few epochs
 * on captioned shapes (large objects, captions shortened at random), recognises the shape of held-out images
 * zero-shot, from the prompts "a circle", "a square", ... alone, at least three times as often as chance (5
 * shapes: 20 %). The accuracy is measured on the test split, which neither training nor model selection saw.
 * Seeded; the per-epoch curve is printed.
 */
class ClipLearnsShapesTest {
    private static final double CHANCE = 1.0 / ShapesDataset.Shape.values().length;

    @TempDir
    Path out;

    @Test
    void tinyClipLearnsZeroShotShapeRecognition() throws IOException {
        long t0 = System.nanoTime();
        ClipTraining.Result r = new ClipTraining().data(ClipTraining.SHAPES)
                .shapesObjectSize(ShapesDataset.Size.LARGE).shapesSizes(3000, 250)
                .epochs(6).batchSize(64).lr(2e-3).warmupEpochs(1).captionDropout(0.75).seed(0)
                .log(System.out, false).run(out, false);
        double trainSeconds = (System.nanoTime() - t0) / 1e9;

        History h = r.history();
        assertEquals(6, h.epochs().size());
        System.out.println("epoch  train_loss  val_loss  val_i2t  val_t2i  val_zero_shot");
        for (EpochRecord e : h.epochs()) {
            System.out.printf(Locale.ROOT, "%5d  %10.4f  %8.4f  %7.3f  %7.3f  %13.3f%n", e.epoch(), e.get("train_loss"),
                    e.get("val_loss"), e.get("val_i2t_accuracy"), e.get("val_t2i_accuracy"),
                    e.get("val_zero_shot_accuracy"));
        }
        assertTrue(h.last().get("train_loss") < h.epochs().get(0).get("train_loss"), "the training loss falls");

        // the written model directory, on images neither training nor model selection saw
        OpenClip clip = OpenClip.load(out);
        ShapesDataset test = new ShapesDataset(ShapesDataset.Config.of(1000, 0).withImageSize(32)
                .withSplit(ShapesDataset.Split.TEST));
        ZeroShotClassifier zs = clip.model().zeroShot(test.classNames(), ClipTraining.SHAPES_TEMPLATES); // "a circle", ...
        int[] large = IntStream.range(0, test.size())
                .filter(i -> test.scene(i).size() == ShapesDataset.Size.LARGE).limit(300).toArray();
        DataLoader loader = new DataLoader(new DatasetSplit.Subset(test, large),
                new Normalize(clip.config().preprocess().mean(), clip.config().preprocess().std()),
                DataLoader.Options.of(100).withShuffle(false).withPrefetch(0));
        int correct = 0;
        int total = 0;
        for (int b = 0; b < loader.batchesPerEpoch(); b++) {
            Batch batch = loader.batch(0, b);
            INDArray f = clip.model().encodeImage(batch.images(), true);
            int[] predicted = zs.predict(f.toFloatMatrix());
            for (int i = 0; i < predicted.length; i++) {
                correct += predicted[i] == batch.labels()[i] ? 1 : 0;
            }
            total += predicted.length;
        }
        double accuracy = (double) correct / total;
        System.out.printf(Locale.ROOT, "zero-shot shape accuracy on %d held-out test images: %.3f (chance %.2f); "
                + "best validation epoch %d; training %.1f s%n", total, accuracy, CHANCE, h.bestEpoch(), trainSeconds);
        assertTrue(accuracy >= 3 * CHANCE, String.format(Locale.ROOT,
                "zero-shot accuracy %.3f is below three times chance (%.2f)", accuracy, 3 * CHANCE));
    }
}
