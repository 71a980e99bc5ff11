package dev.vitj.examples;

import dev.vitj.core.data.Example;
import dev.vitj.core.data.ShapesDataset;
import dev.vitj.core.io.SafeTensors;
import dev.vitj.core.train.History;
import dev.vitj.core.train.Trainer;
import dev.vitj.examples.Cli.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.vitj.examples.Cli.assertUsageError;
import static dev.vitj.examples.Cli.vitj;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vitj train-vit}: a short run on the shapes, the output opened by {@code classify}, a resume that adds
 * epochs, an image-folder run, and argument errors (exit code 2, one line).
 */
class TrainVitCommandTest {
    @TempDir
    Path tmp;

    private static final String[] SMALL = {"--train-size", "64", "--val-size", "32", "--batch", "32", "--warmup-epochs",
            "0"};

    private static String[] args(String... parts) {
        String[] out = new String[parts.length + SMALL.length];
        System.arraycopy(parts, 0, out, 0, parts.length);
        System.arraycopy(SMALL, 0, out, parts.length, SMALL.length);
        return out;
    }

    @Test
    void trainsClassifiesAndResumes() throws Exception {
        Path out = tmp.resolve("run");
        Result r = vitj(args("train-vit", "--data", "shapes", "--out", out.toString(), "--epochs", "1",
                "--drop-path-rate", "0.1"));
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")));

        // classify opens the directory and runs on an image file of the same size
        Example e = new ShapesDataset(ShapesDataset.Config.of(1, 99).withImageSize(32)).get(0);
        Path png = tmp.resolve("shape.png");
        ImageIO.write(toImage(e), "png", png.toFile());
        Path logits = tmp.resolve("logits.safetensors");
        Result c = vitj("classify", "--model", out.toString(), png.toString(), "--out", logits.toString());
        assertEquals(0, c.code(), c.err());
        Map<String, INDArray> t = SafeTensors.load(logits);
        assertArrayEquals(new long[] {1, 5}, t.get("logits").shape());

        // a fresh run into the same folder is refused; --resume adds an epoch
        assertUsageError(vitj(args("train-vit", "--data", "shapes", "--out", out.toString(), "--epochs", "2")),
                "already holds a training run");
        assertUsageError(vitj("train-vit", "--out", out.toString(), "--resume", "--lr", "1"), "--lr cannot change");
        Result res = vitj("train-vit", "--out", out.toString(), "--resume", "--epochs", "2");
        assertEquals(0, res.code(), res.err());
        assertEquals(2, History.read(out.resolve(Trainer.HISTORY)).epochs().size());

        // fine-tune the result with the embeddings and the first block frozen: those weights do not move
        Path tuned = tmp.resolve("tuned");
        Result ft = vitj(args("train-vit", "--data", "shapes", "--out", tuned.toString(), "--epochs", "1",
                "--init", out.toString(), "--freeze-blocks", "1", "--seed", "3"));
        assertEquals(0, ft.code(), ft.err());
        Map<String, INDArray> before = SafeTensors.load(out.resolve("model.safetensors"));
        Map<String, INDArray> after = SafeTensors.load(tuned.resolve("model.safetensors"));
        for (String k : before.keySet()) {
            boolean frozen = k.startsWith("patch_embed.") || k.equals("pos_embed") || k.equals("cls_token")
                    || k.startsWith("blocks.0.");
            assertEquals(frozen, before.get(k).equals(after.get(k)), k);
        }
    }

    @Test
    void trainsOnAnImageFolder() throws Exception {
        Path data = tmp.resolve("images");
        ShapesDataset shapes = new ShapesDataset(ShapesDataset.Config.of(24, 5).withImageSize(40));
        for (int i = 0; i < shapes.size(); i++) {
            Example e = shapes.get(i);
            Path dir = data.resolve(shapes.classNames().get(e.label()));
            Files.createDirectories(dir);
            ImageIO.write(toImage(e), "png", dir.resolve(i + ".png").toFile());
        }
        Path out = tmp.resolve("folder-run");
        Result r = vitj("train-vit", "--data", data.toString(), "--out", out.toString(), "--epochs",
                "1", "--warmup-epochs", "0", "--batch", "8", "--img-size", "32", "--val-fraction", "0.25");
        assertEquals(0, r.code(), r.err());
        String cfg = Files.readString(out.resolve("config.json"));
        assertTrue(cfg.contains("\"crop_pct\" : 0.875"), cfg);
    }

    @Test
    void badArguments() {
        assertUsageError(vitj("train-vit", "--data", "shapes"), "missing required option --out");
        assertUsageError(vitj("train-vit", "--out", tmp.toString()), "missing required option --data");
        assertUsageError(vitj("train-vit", "--data", tmp.resolve("nope").toString(), "--out", tmp.resolve("o").toString()),
                "no such folder");
        assertUsageError(vitj("train-vit", "--data", "shapes", "--out", tmp.resolve("o").toString(), "--preset", "Z/9"),
                "preset");
        assertUsageError(vitj("train-vit", "--data", "shapes", "--out", tmp.resolve("o").toString(), "--freeze-blocks", "1"),
                "--freeze-blocks needs --init");
        assertUsageError(vitj("train-vit", "--data", "shapes", "--out", tmp.resolve("o").toString(), "--epochs", "2",
                "--warmup-epochs", "2"), "warmup");
        assertUsageError(vitj("train-vit", "--data", "shapes", "--out", tmp.resolve("o").toString(), "--lr", "-1"),
                "learning rate");
        assertUsageError(vitj("train-vit", "--out", tmp.resolve("none").toString(), "--resume"), "no training run to resume");
    }

    private static BufferedImage toImage(Example e) {
        BufferedImage img = new BufferedImage(e.width(), e.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < e.height(); y++) {
            for (int x = 0; x < e.width(); x++) {
                int r = Math.round(255 * e.pixel(0, y, x));
                int g = Math.round(255 * e.pixel(1, y, x));
                int b = Math.round(255 * e.pixel(2, y, x));
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return img;
    }
}
