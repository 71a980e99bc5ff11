package dev.vitj.examples;

import dev.vitj.core.io.SafeTensors;
import dev.vitj.core.testing.Fixtures;
import dev.vitj.core.testing.Parity;
import dev.vitj.examples.Cli.Result;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.vitj.examples.Cli.assertUsageError;
import static dev.vitj.examples.Cli.vitj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code vitj classify}, {@code attention} and {@code rollout} against the timm-vit-tiny and rollout fixtures. */
class VisionCommandsTest {
    @TempDir
    Path tmp;

    private static String model;
    private static String inputs;
    private static Map<String, INDArray> expected;

    @BeforeAll
    static void fixtures() throws IOException {
        model = Fixtures.path("timm-vit-tiny").toString();
        inputs = Fixtures.path("timm-vit-tiny/inputs.safetensors").toString();
        expected = SafeTensors.load(Fixtures.path("timm-vit-tiny/outputs.safetensors"));
    }

    @Test
    void classifyPixelsMatchesTimm() throws IOException {
        Path out = tmp.resolve("classify.safetensors");
        Result r = vitj("classify", "--model", model, "--pixels", inputs, "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, INDArray> got = SafeTensors.load(out);
        assertEquals(java.util.Set.of("forward_features", "pre_logits", "logits"), got.keySet());
        for (INDArray a : got.values()) {
            assertEquals(DataType.FLOAT, a.dataType());
        }
        Parity.assertClose("forward_features", expected.get("forward_features"), got.get("forward_features"), 1e-4);
        Parity.assertClose("pre_logits", expected.get("pre_logits"), got.get("pre_logits"), 1e-4);
        Parity.assertClose("logits", expected.get("logits"), got.get("logits"), 1e-5);
    }

    @Test
    void classifyPrintsTheCheckpointsLabelNames() throws IOException {
        // the fixture model with label_names added to its config; the weights are linked, not copied
        Path dir = Files.createDirectories(tmp.resolve("named"));
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode config =
                (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(Path.of(model, "config.json").toFile());
        List<String> names = List.of("ant", "bee", "cat", "dog", "eel");
        config.putArray("label_names").addAll(names.stream().map(config::textNode).toList());
        json.writeValue(dir.resolve("config.json").toFile(), config);
        Files.createSymbolicLink(dir.resolve("model.safetensors"), Path.of(model, "model.safetensors").toAbsolutePath());

        Result r = vitj("classify", "--model", dir.toString(), "--pixels", inputs, "--out", tmp.resolve("o.safetensors").toString());
        assertEquals(0, r.code(), r.err());
        INDArray logits = expected.get("logits");
        for (int b = 0; b < logits.size(0); b++) {
            int best = logits.getRow(b).argMax().getInt(0);
            String line = "image " + b + ": class " + best + " " + names.get(best) + " (";
            assertTrue(r.out().contains(line), "expected '" + line + "' in:\n" + r.out());
        }
    }

    @Test
    void classifyImagesUsesTheModelsPreprocessing() throws IOException {
        Path out = tmp.resolve("images.safetensors");
        Path dir = Fixtures.path("timm-vit-tiny");
        // the fixture's batch order: astronaut, chelsea, coffee
        Result r = vitj("classify", "--model", model, dir.resolve("astronaut.png").toString(),
                dir.resolve("chelsea.png").toString(), dir.resolve("coffee.png").toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        Parity.Report rep = Parity.assertClose("logits from image files", expected.get("logits"),
                SafeTensors.load(out).get("logits"), 1e-5);
        System.out.println("classify from PNG files: " + rep);
    }

    @Test
    void attentionMatchesTimm() throws IOException {
        Path out = tmp.resolve("attn.safetensors");
        Result r = vitj("attention", "--model", model, "--pixels", inputs, "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, INDArray> got = SafeTensors.load(out);
        assertEquals(java.util.Set.of("attn.0", "attn.1", "attn.2"), got.keySet());
        for (int i = 0; i < 3; i++) {
            Parity.assertClose("attn." + i, expected.get("blocks." + i + ".attn.probs"), got.get("attn." + i), 1e-6);
        }
    }

    @Test
    void rolloutFromAttentionFileMatchesVitExplainAndRowNorm() throws IOException {
        String attn = Fixtures.path("rollout/rollout.safetensors").toString();
        Map<String, INDArray> ref = SafeTensors.load(Fixtures.path("rollout/rollout.safetensors"));
        Map<String, INDArray> rownorm = SafeTensors.load(Fixtures.path("rollout/rollout_rownorm.safetensors"));

        Path a = tmp.resolve("vitexplain.safetensors");
        Result r = vitj("rollout", "--attention", attn, "--head-fusion", "min", "--discard", "0.9", "--vit-explain",
                "--out", a.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, INDArray> got = SafeTensors.load(a);
        Parity.assertClose("rollout min 0.9 (vit-explain)", ref.get("rollout_min_0.9"), got.get("rollout"), 1e-5);
        Parity.assertClose("rollout_raw min 0.9", ref.get("rollout_raw_min_0.9"), got.get("rollout_raw"), 1e-5);

        Path b = tmp.resolve("rownorm.safetensors");
        r = vitj("rollout", "--attention", attn, "--head-fusion", "max", "--discard", "0.9", "--out", b.toString());
        assertEquals(0, r.code(), r.err());
        Parity.assertClose("rownorm max 0.9", rownorm.get("rownorm_max_0.9"), SafeTensors.load(b).get("rollout"), 1e-5);
    }

    @Test
    void rolloutFromTheModelWithOverlays() throws IOException {
        Map<String, INDArray> ref = SafeTensors.load(Fixtures.path("rollout/rollout.safetensors"));
        Path out = tmp.resolve("rollout.safetensors");
        Path overlays = tmp.resolve("overlays");
        Result r = vitj("rollout", "--model", model, "--pixels", inputs, "--head-fusion", "mean", "--discard", "0",
                "--out", out.toString(), "--overlay", overlays.toString());
        assertEquals(0, r.code(), r.err());
        Parity.assertClose("rollout mean 0.0", ref.get("rollout_mean_0.0"), SafeTensors.load(out).get("rollout"), 1e-5);
        for (int i = 0; i < 3; i++) {
            BufferedImage png = ImageIO.read(overlays.resolve("00" + i + "_inputs_rollout.png").toFile());
            assertNotNull(png, "overlay " + i);
            assertEquals(64, png.getWidth());
            assertEquals(64, png.getHeight());
        }

        Path dir = Fixtures.path("timm-vit-tiny");
        Path out2 = tmp.resolve("rollout2.safetensors");
        r = vitj("rollout", "--model", model, dir.resolve("chelsea.png").toString(), "--out", out2.toString(),
                "--overlay", overlays.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(overlays.resolve("000_chelsea_rollout.png")));
        assertEquals(1, SafeTensors.load(out2).get("rollout").size(0));
    }

    @Test
    void badArgumentsAndFilesExitWithTwo() throws IOException {
        Path out = tmp.resolve("never.safetensors");
        String o = out.toString();
        assertUsageError(vitj("classify", "--model", model, "--pixels", inputs), "--out");
        assertUsageError(vitj("classify", "--model", tmp.resolve("nope").toString(), "--pixels", inputs, "--out", o),
                "no such directory");
        assertUsageError(vitj("classify", "--model", tmp.toString(), "--pixels", inputs, "--out", o),
                "not a recognised model directory");
        assertUsageError(vitj("classify", "--model", model, "--out", o), "no input");
        assertUsageError(vitj("classify", "--model", model, "--pixels", inputs, "a.png", "--out", o), "not both");
        assertUsageError(vitj("attention", "--model", model, tmp.resolve("missing.png").toString(), "--out", o),
                "no such image file");
        String outputs = Fixtures.path("timm-vit-tiny/outputs.safetensors").toString();
        assertUsageError(vitj("attention", "--model", model, "--pixels", outputs, "--out", o), "no tensor 'pixel_values'");
        Path small = tmp.resolve("small.safetensors");
        SafeTensors.write(small, Map.of("pixel_values", Nd4j.zeros(DataType.FLOAT, 1, 3, 32, 32)));
        assertUsageError(vitj("classify", "--model", model, "--pixels", small.toString(), "--out", o),
                "the model expects [B, 3, 64, 64]");
        Path notImage = tmp.resolve("not-an-image.png");
        Files.writeString(notImage, "hello");
        assertEquals(2, vitj("classify", "--model", model, notImage.toString(), "--out", o).code());
        assertUsageError(vitj("rollout", "--model", model, "--pixels", inputs, "--head-fusion", "median", "--out", o),
                "--head-fusion");
        assertUsageError(vitj("rollout", "--model", model, "--pixels", inputs, "--discard", "1.5", "--out", o),
                "--discard");
        assertUsageError(vitj("rollout", "--model", model, "--pixels", inputs, "--discard", "x", "--out", o),
                "--discard");
        String attn = Fixtures.path("rollout/rollout.safetensors").toString();
        assertUsageError(vitj("rollout", "--attention", attn, "--overlay", tmp.toString(), "--out", o), "--overlay");
        assertUsageError(vitj("rollout", "--attention", inputs, "--out", o), "no attention tensors");
        assertUsageError(vitj("rollout", "--pixels", inputs, "--out", o), "--model");
        assertUsageError(vitj("classify", "--model", model, "--pixels", inputs, "--out", o, "--bogus", "1"),
                "unknown option --bogus");
        // weights that do not fit: every offending key, on one line
        Path bad = tmp.resolve("bad-model");
        Files.createDirectories(bad);
        Files.copy(Fixtures.path("timm-vit-tiny/config.json"), bad.resolve("config.json"));
        Map<String, INDArray> state = new java.util.LinkedHashMap<>(SafeTensors.load(
                Fixtures.path("timm-vit-tiny/model.safetensors")));
        state.put("head.bias_renamed", state.remove("head.bias"));
        state.put("norm.weight", Nd4j.ones(DataType.FLOAT, 95));
        SafeTensors.write(bad.resolve("model.safetensors"), state);
        Result r = vitj("classify", "--model", bad.toString(), "--pixels", inputs, "--out", o);
        assertUsageError(r, "missing key 'head.bias'");
        assertTrue(r.err().contains("unexpected key 'head.bias_renamed'") && r.err().contains("'norm.weight'"), r.err());
        assertFalse(Files.exists(out), "no output may be written on errors");
    }

    /**
     * Chunked and whole-batch outputs agree to float32 rounding: BLAS picks its sgemm blocking by matrix
     * size, so a [1*N, D] and a [3*N, D] product may round differently in the last bit; anything beyond
     * rounding (a mixed-up image order, a lost chunk) is orders of magnitude larger.
     */
    static void assertSameUpToRounding(String what, INDArray expected, INDArray actual) {
        assertEquals(java.util.Arrays.toString(expected.shape()), java.util.Arrays.toString(actual.shape()),
                what + " shape");
        System.out.println(Parity.assertClose(what, expected, actual, 1e-5, 1e-5));
    }

    @Test
    void chunkedBatchesGiveTheSameOutputsAsOneBatch() throws IOException {
        Path dir = Fixtures.path("timm-vit-tiny");
        String[] images = {dir.resolve("astronaut.png").toString(), dir.resolve("chelsea.png").toString(),
                dir.resolve("coffee.png").toString()};
        for (String cmd : new String[] {"classify", "attention", "rollout"}) {
            Path one = tmp.resolve(cmd + "-b1.safetensors");
            Path all = tmp.resolve(cmd + "-ball.safetensors");
            Result r = vitj(cmd, "--model", model, "--pixels", inputs, "--batch", "1", "--out", one.toString());
            assertEquals(0, r.code(), r.err());
            r = vitj(cmd, "--model", model, "--pixels", inputs, "--batch", "3", "--out", all.toString());
            assertEquals(0, r.code(), r.err());
            Map<String, INDArray> a = SafeTensors.load(one);
            Map<String, INDArray> b = SafeTensors.load(all);
            assertEquals(b.keySet(), a.keySet(), cmd);
            for (String k : a.keySet()) {
                assertEquals(3, a.get(k).size(0), cmd + " " + k);
                assertSameUpToRounding(cmd + " " + k + " (--batch 1 vs 3)", b.get(k), a.get(k));
            }
            // image files are preprocessed chunk by chunk too: 2 + 1 against the default (one chunk)
            Path files2 = tmp.resolve(cmd + "-files2.safetensors");
            Path files = tmp.resolve(cmd + "-files.safetensors");
            String[] argv = new String[images.length + 7];
            argv[0] = cmd;
            argv[1] = "--model";
            argv[2] = model;
            System.arraycopy(images, 0, argv, 3, images.length);
            argv[6] = "--out";
            argv[7] = files.toString();
            argv[8] = "--batch";
            argv[9] = "16";
            r = vitj(argv);
            assertEquals(0, r.code(), r.err());
            argv[7] = files2.toString();
            argv[9] = "2";
            r = vitj(argv);
            assertEquals(0, r.code(), r.err());
            Map<String, INDArray> c = SafeTensors.load(files);
            Map<String, INDArray> d = SafeTensors.load(files2);
            for (String k : c.keySet()) {
                assertSameUpToRounding(cmd + " " + k + " (files, --batch 2 vs 16)", c.get(k), d.get(k));
            }
        }
        assertUsageError(vitj("classify", "--model", model, "--pixels", inputs, "--batch", "0", "--out",
                tmp.resolve("x.safetensors").toString()), "--batch must be at least 1");
        assertUsageError(vitj("attention", "--model", model, "--pixels", inputs, "--batch", "two", "--out",
                tmp.resolve("x.safetensors").toString()), "--batch");
        assertFalse(Files.exists(tmp.resolve("x.safetensors")));
    }

    @Test
    void nonFinitePixelsAreRejectedNamingFileTensorAndIndex() throws IOException {
        INDArray x = SafeTensors.load(Path.of(inputs)).get("pixel_values").castTo(DataType.FLOAT).dup();
        x.putScalar(new long[] {1, 2, 3, 4}, Float.NaN);
        x.putScalar(new long[] {2, 0, 0, 0}, Float.POSITIVE_INFINITY);
        Path nan = tmp.resolve("nan.safetensors");
        SafeTensors.write(nan, Map.of("pixel_values", x));
        Path out = tmp.resolve("out.safetensors");
        for (String cmd : new String[] {"classify", "attention", "rollout"}) {
            Result r = vitj(cmd, "--model", model, "--pixels", nan.toString(), "--out", out.toString());
            assertUsageError(r, "nan.safetensors: pixel_values[1, 2, 3, 4] is NaN");
        }
        INDArray y = SafeTensors.load(Path.of(inputs)).get("pixel_values").castTo(DataType.DOUBLE).dup();
        y.putScalar(new long[] {0, 1, 63, 0}, Double.NEGATIVE_INFINITY);
        Path inf = tmp.resolve("inf.safetensors");
        SafeTensors.write(inf, Map.of("pixel_values", y));
        assertUsageError(vitj("classify", "--model", model, "--pixels", inf.toString(), "--out", out.toString()),
                "inf.safetensors: pixel_values[0, 1, 63, 0] is -Inf");
        assertFalse(Files.exists(out));
    }

    @Test
    void overlaysOfImagesWithTheSameStemDoNotOverwriteEachOther() throws IOException {
        Path dir = Fixtures.path("timm-vit-tiny");
        Path d1 = Files.createDirectories(tmp.resolve("d1"));
        Path d2 = Files.createDirectories(tmp.resolve("d2"));
        Files.copy(dir.resolve("chelsea.png"), d1.resolve("img.png"));
        Files.copy(dir.resolve("astronaut.png"), d2.resolve("img.png"));
        Path overlays = tmp.resolve("overlays");
        Result r = vitj("rollout", "--model", model, d1.resolve("img.png").toString(), d2.resolve("img.png").toString(),
                "--overlay", overlays.toString(), "--out", tmp.resolve("r.safetensors").toString());
        assertEquals(0, r.code(), r.err());
        try (var files = Files.list(overlays)) {
            assertEquals(java.util.List.of("000_img_rollout.png", "001_img_rollout.png"),
                    files.map(f -> f.getFileName().toString()).sorted().toList());
        }
        BufferedImage a = ImageIO.read(overlays.resolve("000_img_rollout.png").toFile());
        BufferedImage b = ImageIO.read(overlays.resolve("001_img_rollout.png").toFile());
        assertFalse(java.util.Arrays.equals(a.getRGB(0, 0, 64, 64, null, 0, 64), b.getRGB(0, 0, 64, 64, null, 0, 64)),
                "the two overlays are of different images");
        assertEquals("000_x_rollout.png", RolloutCommand.overlayName(0, 1, "x"));
        assertEquals("999_x_rollout.png", RolloutCommand.overlayName(999, 1000, "x"));
        assertEquals("0999_x_rollout.png", RolloutCommand.overlayName(999, 1001, "x"));
        assertTrue(vitj("rollout", "--help").out().contains("INDEX_STEM_rollout.png"));
    }

    @Test
    void failedRolloutWritesNoOutputFile() throws IOException {
        Path out = tmp.resolve("rollout.safetensors");
        Path aFile = Files.writeString(tmp.resolve("afile"), "x");
        // the overlay folder cannot be created: reported before any work, naming the option
        Result r = vitj("rollout", "--model", model, "--pixels", inputs, "--out", out.toString(),
                "--overlay", aFile.resolve("sub").toString());
        assertUsageError(r, "--overlay: " + aFile + " is not a directory");
        assertUsageError(vitj("rollout", "--model", model, "--pixels", inputs, "--out", out.toString(),
                "--overlay", aFile.toString()), "--overlay: " + aFile + " exists and is not a directory");
        // an overlay that cannot be written (its name is taken by a folder): --out is not written either
        Path overlays = tmp.resolve("overlays");
        Files.createDirectories(overlays.resolve("001_inputs_rollout.png"));
        r = vitj("rollout", "--model", model, "--pixels", inputs, "--out", out.toString(), "--overlay",
                overlays.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("001_inputs_rollout.png"), r.err());
        assertFalse(Files.exists(out), "a failed rollout must not leave --out behind");
    }

    @Test
    void outputPathErrorsNameTheOption() throws IOException {
        Path aFile = Files.writeString(tmp.resolve("afile"), "x");
        String sub = aFile.resolve("sub").resolve("o.safetensors").toString();
        for (String cmd : new String[] {"classify", "attention", "rollout"}) {
            assertUsageError(vitj(cmd, "--model", model, "--pixels", inputs, "--out", ""), "--out: empty path");
            assertUsageError(vitj(cmd, "--model", model, "--pixels", inputs, "--out", sub),
                    "--out: " + aFile + " is not a directory");
            assertUsageError(vitj(cmd, "--model", model, "--pixels", inputs, "--out", tmp.toString()),
                    "--out: " + tmp + " is a directory");
        }
        assertUsageError(vitj("rollout", "--model", model, "--pixels", inputs, "--out",
                tmp.resolve("o.safetensors").toString(), "--overlay", ""), "--overlay: empty path");
        // a nested output folder that does not exist yet is created
        Path nested = tmp.resolve("new/deeper/o.safetensors");
        assertEquals(0, vitj("classify", "--model", model, "--pixels", inputs, "--out", nested.toString()).code());
        assertTrue(Files.isRegularFile(nested));
    }

    @Test
    void rolloutAttentionFileErrorsNameTheFile() throws IOException {
        Path out = tmp.resolve("o.safetensors");
        Path odd = tmp.resolve("odd-attn.safetensors");
        // 6 tokens: 1 class token and 5 patches, which is no square grid
        SafeTensors.write(odd, Map.of("attn.0", Nd4j.ones(DataType.FLOAT, 1, 2, 6, 6).divi(6)));
        Result r = vitj("rollout", "--attention", odd.toString(), "--out", out.toString());
        assertUsageError(r, "--attention " + odd);
        Path small = tmp.resolve("small-attn.safetensors");
        SafeTensors.write(small, Map.of("attn.0", Nd4j.ones(DataType.FLOAT, 1, 2, 5, 5).divi(5)));
        assertUsageError(vitj("rollout", "--attention", small.toString(), "--model", model, "--out", out.toString()),
                "--attention " + small + " has 1 layers of 5 tokens");
        Path garbage = Files.writeString(tmp.resolve("garbage.safetensors"), "not safetensors at all");
        assertUsageError(vitj("rollout", "--attention", garbage.toString(), "--out", out.toString()),
                "--attention " + garbage);
        assertUsageError(vitj("rollout", "--attention", inputs, "--out", out.toString()),
                "--attention " + inputs + ": no attention tensors");
        assertFalse(Files.exists(out));
    }

    @Test
    void malformedConfigJsonIsReportedAsSuch() throws IOException {
        Path bad = Files.createDirectories(tmp.resolve("bad-json"));
        Files.writeString(bad.resolve("config.json"), "{ \"architecture\": ");
        Files.copy(Fixtures.path("timm-vit-tiny/model.safetensors"), bad.resolve("model.safetensors"));
        Result r = vitj("classify", "--model", bad.toString(), "--pixels", inputs, "--out",
                tmp.resolve("o.safetensors").toString());
        assertUsageError(r, bad.resolve("config.json") + ": not valid JSON");
        assertFalse(r.err().contains("not a recognised model directory"), r.err());
    }

    @Test
    void openClipModelsPrintAnEmbeddingNotClasses() throws IOException {
        Path clip = Fixtures.path("openclip-tiny");
        Path out = tmp.resolve("clip.safetensors");
        Result o = vitj("classify", "--model", clip.toString(), clip.resolve("chelsea.png").toString(),
                "--out", out.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("embedding"), o.out());
        assertFalse(o.out().contains("class "), o.out());
        assertEquals(1, SafeTensors.load(out).get("logits").size(0));
        // a timm classifier still prints its classes
        Result t = vitj("classify", "--model", model, "--pixels", inputs, "--out", out.toString());
        assertTrue(t.out().contains("image 0: class "), t.out());
        assertTrue(vitj("attention", "--help").out().contains("OpenCLIP"));
        assertTrue(vitj("classify", "--help").out().contains("OpenCLIP"));
    }
}
