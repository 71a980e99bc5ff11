package dev.vitj.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vitj.core.io.SafeTensors;
import dev.vitj.core.testing.Fixtures;
import dev.vitj.core.testing.Parity;
import dev.vitj.examples.Cli.Result;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.vitj.examples.Cli.assertUsageError;
import static dev.vitj.examples.Cli.vitj;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code vitj embed-image}, {@code embed-text}, {@code zero-shot}, {@code retrieve} and {@code attention} on openclip-tiny. */
class ClipCommandsTest {
    private static final List<String> PNGS = List.of("astronaut.png", "coffee.png", "chelsea.png", "rocket.png");

    @TempDir
    Path tmp;

    private static Path model;
    private static Map<String, INDArray> expected;
    private static List<String> prompts;

    @BeforeAll
    static void fixtures() throws IOException {
        model = Fixtures.path("openclip-tiny");
        expected = SafeTensors.load(Fixtures.path("openclip-tiny/outputs.safetensors"));
        prompts = new ArrayList<>();
        for (JsonNode p : new ObjectMapper().readTree(model.resolve("fixture.json").toFile()).get("prompts")) {
            prompts.add(p.get("text").asText());
        }
    }

    private static String[] withImages(List<String> head, List<String> files) {
        List<String> all = new ArrayList<>(head);
        for (String f : files) {
            all.add(model.resolve(f).toString());
        }
        return all.toArray(new String[0]);
    }

    @Test
    void embedImageFromPixelsMatchesOpenClip() throws IOException {
        Path out = tmp.resolve("img.safetensors");
        Result r = vitj("embed-image", "--model", model.toString(), "--pixels",
                model.resolve("inputs.safetensors").toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, INDArray> got = SafeTensors.load(out);
        assertEquals(Set.of("image_features"), got.keySet());
        assertEquals(DataType.FLOAT, got.get("image_features").dataType());
        Parity.assertClose("image_features", expected.get("image_features"), got.get("image_features"), 1e-4);

        Result n = vitj("embed-image", "--model", model.toString(), "--pixels",
                model.resolve("inputs.safetensors").toString(), "--out", out.toString(), "--normalize");
        assertEquals(0, n.code(), n.err());
        Parity.assertClose("image_features_normalized", expected.get("image_features_normalized"),
                SafeTensors.load(out).get("image_features"), 1e-5);
    }

    @Test
    void embedImageFromPngsMatchesOpenClip() throws IOException {
        Path out = tmp.resolve("png.safetensors");
        Result r = vitj(withImages(List.of("embed-image", "--model", model.toString(), "--out", out.toString()), PNGS));
        assertEquals(0, r.code(), r.err());
        Parity.assertClose("image_features from PNGs", expected.get("image_features"),
                SafeTensors.load(out).get("image_features"), 1e-4);
    }

    @Test
    void embedTextOfThePromptsMatchesOpenClip() throws IOException {
        Path texts = tmp.resolve("texts.json");
        new ObjectMapper().writeValue(texts.toFile(), prompts);
        Path out = tmp.resolve("txt.safetensors");
        Result r = vitj("embed-text", "--model", model.toString(), "--texts-json", texts.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, INDArray> got = SafeTensors.load(out);
        assertEquals(Set.of("text_features", "text_tokens"), got.keySet());
        assertEquals(DataType.FLOAT, got.get("text_features").dataType());
        assertEquals(DataType.LONG, got.get("text_tokens").dataType());
        assertArrayEquals(expected.get("text.tokens").toLongMatrix(), got.get("text_tokens").toLongMatrix());
        Parity.assertClose("text_features", expected.get("text_features"), got.get("text_features"), 1e-4);

        // fixture.json itself ({"prompts": [{"text": ...}]}) and positional texts, normalised
        Result f = vitj("embed-text", "--model", model.toString(), "--texts-json", model.resolve("fixture.json").toString(),
                "--out", out.toString(), "--normalize");
        assertEquals(0, f.code(), f.err());
        Parity.assertClose("text_features_normalized", expected.get("text_features_normalized"),
                SafeTensors.load(out).get("text_features"), 1e-5);
        Result p = vitj("embed-text", "--model", model.toString(), "--out", out.toString(), prompts.get(0), prompts.get(1));
        assertEquals(0, p.code(), p.err());
        Parity.assertClose("text_features[0:2]", expected.get("text_features").get(
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2)), SafeTensors.load(out).get("text_features"), 1e-4);
    }

    @Test
    void zeroShotPrintsProbabilitiesThatSumToOne() throws IOException {
        List<String> labels = List.of("astronaut", "cup of coffee", "cat", "rocket");
        Result r = vitj(withImages(List.of("zero-shot", "--model", model.toString(), "--labels", String.join(", ", labels),
                "--template", "a photo of a {}.", "--template", "a picture of a {}"), PNGS));
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertTrue(json.isArray());
        assertEquals(PNGS.size(), json.size());
        for (int i = 0; i < PNGS.size(); i++) {
            JsonNode e = json.get(i);
            assertTrue(e.get("image").asText().endsWith(PNGS.get(i)));
            JsonNode p = e.get("probabilities");
            List<String> keys = new ArrayList<>();
            double sum = 0;
            double best = -1;
            String bestLabel = null;
            for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                keys.add(f.getKey());
                double v = f.getValue().asDouble();
                assertTrue(v >= 0 && v <= 1, f.toString());
                sum += v;
                if (v > best) {
                    best = v;
                    bestLabel = f.getKey();
                }
            }
            assertEquals(labels, keys);
            assertEquals(1.0, sum, 1e-5);
            assertEquals(bestLabel, e.get("label").asText());
        }
    }

    @Test
    void retrieveReturnsTopKAndExcludesTheQuery() throws IOException {
        Path gallery = Files.createDirectory(tmp.resolve("gallery"));
        for (String f : PNGS) {
            Files.copy(model.resolve(f), gallery.resolve(f));
        }
        Files.writeString(gallery.resolve("notes.txt"), "not an image");
        Path query = gallery.resolve("astronaut.png");
        Path outside = model.resolve("chelsea.png");
        Result r = vitj("retrieve", "--model", model.toString(), "--gallery", gallery.toString(), "--top", "2",
                query.toString(), outside.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(2, json.size());
        JsonNode first = json.get(0).get("results");
        assertEquals(2, first.size());
        for (JsonNode h : first) {
            assertFalse(h.get("file").asText().endsWith("astronaut.png"), "the query itself was returned: " + h);
        }
        assertTrue(first.get(0).get("score").asDouble() >= first.get(1).get("score").asDouble());
        // the outside query is not in the gallery: its copy in the gallery is its best match (cosine 1)
        JsonNode second = json.get(1).get("results");
        assertTrue(second.get(0).get("file").asText().endsWith("chelsea.png"), second.toString());
        assertEquals(1.0, second.get(0).get("score").asDouble(), 1e-5);

        Result all = vitj("retrieve", "--model", model.toString(), "--gallery", gallery.toString(), "--top", "10",
                query.toString());
        assertEquals(0, all.code(), all.err());
        assertEquals(PNGS.size() - 1, new ObjectMapper().readTree(all.out()).get(0).get("results").size());
    }

    @Test
    void attentionAcceptsAnOpenClipDirectory() throws IOException {
        Path out = tmp.resolve("attn.safetensors");
        Result r = vitj("attention", "--model", model.toString(), "--pixels", model.resolve("inputs.safetensors").toString(),
                "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, INDArray> got = SafeTensors.load(out);
        for (int i = 0; i < 3; i++) {
            Parity.assertClose("attn." + i, expected.get("visual.blocks." + i + ".attn_probs"), got.get("attn." + i), 1e-5);
        }
    }

    @Test
    void badArgumentsAreOneLineErrors() throws IOException {
        String m = model.toString();
        String png = model.resolve("astronaut.png").toString();
        assertUsageError(vitj("embed-image", "--model", tmp.toString(), "--out", tmp.resolve("x").toString(), png),
                "not an OpenCLIP directory");
        assertUsageError(vitj("embed-image", "--model", m, "--out", tmp.resolve("x").toString(), "--pixels",
                model.resolve("inputs.safetensors").toString(), png), "not both");
        assertUsageError(vitj("embed-text", "--model", m, "--out", tmp.resolve("x").toString()), "no input");
        Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, "{\"texts\": [1, 2]}");
        assertUsageError(vitj("embed-text", "--model", m, "--texts-json", bad.toString(), "--out", tmp.resolve("x").toString()),
                "entry 0");
        assertUsageError(vitj("zero-shot", "--model", m, "--labels", "cat,,dog", png), "empty label");
        assertUsageError(vitj("zero-shot", "--model", m, "--labels", "cat,dog", "--template", "a photo", png), "placeholder");
        assertUsageError(vitj("zero-shot", "--model", m, "--labels", "cat,dog"), "no image files");
        assertUsageError(vitj("retrieve", "--model", m, "--gallery", m, "--top", "0", png), "--top");
        Path empty = Files.createDirectory(tmp.resolve("emptygallery"));
        assertUsageError(vitj("retrieve", "--model", m, "--gallery", empty.toString(), png), "no images");
        Path notImage = tmp.resolve("fake.png");
        Files.writeString(notImage, "not a png");
        Result r = vitj("zero-shot", "--model", m, "--labels", "cat,dog", notImage.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("fake.png"), r.err());
        assertFalse(Files.exists(tmp.resolve("x")));
        assertTrue(Arrays.asList(vitj("help").out().split("\\s+")).containsAll(
                List.of("embed-image", "embed-text", "zero-shot", "retrieve")));
    }
}
