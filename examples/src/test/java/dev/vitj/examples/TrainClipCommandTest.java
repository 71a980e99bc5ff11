package dev.vitj.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vitj.clip.OpenClip;
import dev.vitj.core.data.Example;
import dev.vitj.core.data.ShapesDataset;
import dev.vitj.examples.Cli.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.vitj.examples.Cli.assertUsageError;
import static dev.vitj.examples.Cli.vitj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vitj train-clip}: a short run on the shapes writes an OpenCLIP directory that {@link OpenClip#load} and
 * {@code vitj zero-shot} open; {@code --resume} continues it; a caption folder trains too; bad arguments are usage
 * errors.
 */
class TrainClipCommandTest {
    private static final List<String> SHAPES = List.of("circle", "square", "triangle", "cross", "star");

    @TempDir
    Path tmp;

    @Test
    void shapesRunWritesAnOpenClipDirectoryThatTheOtherCommandsOpen() throws IOException {
        Path out = tmp.resolve("clip");
        Result r = vitj("train-clip", "--data", "shapes", "--out", out.toString(), "--epochs", "2",
                "--train-size", "96", "--val-size", "32", "--batch", "32", "--vocab-size", "600", "--seed", "3");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("epoch 2/2"), r.out());
        for (String f : List.of(OpenClip.CONFIG, OpenClip.SAFETENSORS, "vocab.json", "merges.txt", "history.json",
                "training_curves.png", "training_args.json", "checkpoints/last/model.safetensors")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        OpenClip clip = OpenClip.load(out);
        assertEquals(32, clip.config().vision().imageSize());
        assertTrue(clip.tokenizer().vocabSize() <= 600 && clip.tokenizer().vocabSize() > 514);
        assertEquals(clip.tokenizer().vocabSize(), clip.config().text().vocabSize());

        Path png = tmp.resolve("shape.png");
        writePng(new ShapesDataset(ShapesDataset.Config.of(1, 9).withImageSize(32)).get(0), png);
        Result z = vitj("zero-shot", "--model", out.toString(), "--labels", String.join(",", SHAPES),
                "--template", "a {}", png.toString());
        assertEquals(0, z.code(), z.err());
        JsonNode j = new ObjectMapper().readTree(z.out());
        assertEquals(1, j.size());
        assertTrue(SHAPES.contains(j.get(0).get("label").asText()));
        double sum = 0;
        for (String s : SHAPES) {
            sum += j.get(0).get("probabilities").get(s).asDouble();
        }
        assertEquals(1.0, sum, 1e-4);

        // resume: one more epoch, the same settings and tokenizer
        Result again = vitj("train-clip", "--out", out.toString(), "--resume", "--epochs", "3");
        assertEquals(0, again.code(), again.err());
        JsonNode h = new ObjectMapper().readTree(out.resolve("history.json").toFile());
        assertEquals(3, h.get("epochs").size());
        assertTrue(h.get("epochs").get(2).has("val_zero_shot_accuracy"));

        assertUsageError(vitj("train-clip", "--out", out.toString(), "--resume", "--lr", "1e-2"), "--lr cannot change");
        assertUsageError(vitj("train-clip", "--data", "shapes", "--out", out.toString()), "--resume");
    }

    @Test
    void captionFolderTrainsWithZeroShotOverItsLabels() throws IOException {
        Path data = tmp.resolve("data");
        Files.createDirectories(data.resolve("img"));
        ShapesDataset shapes = new ShapesDataset(ShapesDataset.Config.of(24, 5).withImageSize(40));
        StringBuilder csv = new StringBuilder("image,caption,label\n");
        for (int i = 0; i < shapes.size(); i++) {
            Example e = shapes.get(i);
            String name = "img/" + i + ".png";
            writePng(e, data.resolve(name));
            csv.append(name).append(",\"").append(e.caption()).append("\",").append(shapes.scene(i).shape().word())
                    .append('\n');
        }
        Files.writeString(data.resolve("captions.csv"), csv);
        Path out = tmp.resolve("folder-clip");
        Result r = vitj("train-clip", "--data", data.toString(), "--out", out.toString(), "--epochs",
                "1", "--warmup-epochs", "0", "--batch", "8", "--img-size", "32", "--vocab-size", "560",
                "--val-fraction", "0.25");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("val_zero_shot_accuracy"), r.out());
        OpenClip clip = OpenClip.load(out);
        assertEquals(32, clip.config().preprocess().size());
        float[][] f = clip.embedImages(List.of(data.resolve("img/0.png")), true);
        assertEquals(clip.config().embedDim(), f[0].length);
    }

    @Test
    void badArgumentsAreUsageErrors() {
        String out = tmp.resolve("x").toString();
        assertUsageError(vitj("train-clip", "--data", tmp.resolve("nope").toString(), "--out", out), "no such folder");
        assertUsageError(vitj("train-clip", "--data", tmp.toString(), "--out", out), "captions.csv");
        assertUsageError(vitj("train-clip", "--data", "shapes", "--out", out, "--preset", "huge"), "unknown preset");
        assertUsageError(vitj("train-clip", "--data", "shapes", "--out", out, "--img-size", "36"), "multiple of the patch");
        assertUsageError(vitj("train-clip", "--data", "shapes", "--out", out, "--vocab-size", "100"), "at least 514");
        assertUsageError(vitj("train-clip", "--data", "shapes", "--out", out, "--batch", "1"), "at least 2");
        assertUsageError(vitj("train-clip", "--data", "shapes", "--out", out, "--template", "a shape"), "{}");
        assertUsageError(vitj("train-clip", "--out", out, "--resume"), "no training run to resume");
    }

    static void writePng(Example e, Path file) throws IOException {
        BufferedImage img = new BufferedImage(e.width(), e.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < e.height(); y++) {
            for (int x = 0; x < e.width(); x++) {
                int r = Math.round(e.pixel(0, y, x) * 255);
                int g = Math.round(e.pixel(1, y, x) * 255);
                int b = Math.round(e.pixel(2, y, x) * 255);
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }
}
