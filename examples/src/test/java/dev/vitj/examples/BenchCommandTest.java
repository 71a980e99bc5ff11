package dev.vitj.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vitj.core.testing.Fixtures;
import dev.vitj.examples.Cli.Result;
import org.junit.jupiter.api.Test;

import static dev.vitj.examples.Cli.vitj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code vitj bench} on the tiny timm fixture (fast to run): the JSON contract and argument errors. */
class BenchCommandTest {
    @Test
    void jsonHasOneResultPerBatchSize() throws Exception {
        Result r = vitj("bench", "--model", Fixtures.path("timm-vit-tiny").toString(), "--batch", "2,1",
                "--iterations", "2", "--warmup", "1", "--threads", "2", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        JsonNode results = root.get("results");
        assertEquals(2, results.size(), r.out());
        assertEquals(1, results.get(0).get("batch").asInt());
        assertEquals(2, results.get(1).get("batch").asInt());
        for (JsonNode res : results) {
            double ips = res.get("images_per_second").asDouble();
            assertTrue(ips > 0 && Double.isFinite(ips), r.out());
            JsonNode stages = res.get("stages_ms");
            for (String s : new String[] {"embed", "norms", "attention", "mlp", "head"}) {
                assertTrue(stages.has(s) && stages.get(s).asDouble() >= 0, "stage " + s + " in " + r.out());
            }
            assertTrue(stages.get("attention").asDouble() > 0 && stages.get("mlp").asDouble() > 0, r.out());
        }
        assertEquals(2, root.get("threads").asInt());
        assertTrue(root.get("peak_rss_bytes").asLong() > 0);
        assertEquals(1, results.get(0).get("warmup_passes").asInt());
        assertEquals(2, results.get(0).get("iterations").asInt());
        // memory of the inference phase: heap, and everything resident (at least the encoder's native memory)
        assertTrue(root.get("inference_peak_heap_bytes").asLong() > 0, r.out());
        assertTrue(root.get("inference_peak_rss_bytes").asLong() > root.get("encoder_native_bytes").asLong(), r.out());
    }

    @Test
    void flopCountMatchesTheWeightsTheModelMultipliesBy() {
        // independent of the config arithmetic: every 2-D weight (in the blocks and the head) is a GEMM over all
        // tokens (the head: one pooled row), the patch kernel one over the patches, plus QKᵀ and AV per block
        for (String preset : new String[] {"Ti/16", "B/16", "L/14", "S/32"}) {
            dev.vitj.vit.VitConfig c = dev.vitj.vit.VitConfig.preset(preset);
            dev.vitj.vit.VisionTransformer vit = dev.vitj.core.nn.Module.withDeferredInit(() -> new dev.vitj.vit.VisionTransformer(c));
            long patches = (long) (c.imgSize() / c.patchSize()) * (c.imgSize() / c.patchSize());
            long tokens = patches + 1;
            double flop = 4.0 * c.depth() * tokens * tokens * c.embedDim();
            for (var e : vit.namedParameters().entrySet()) {
                long[] shape = e.getValue().shape();
                if (e.getKey().equals("patch_embed.proj.weight")) {
                    flop += 2.0 * patches * shape[0] * shape[1] * shape[2] * shape[3];
                } else if (shape.length == 2 && e.getKey().equals("head.weight")) {
                    flop += 2.0 * shape[0] * shape[1];
                } else if (shape.length == 2 && e.getKey().startsWith("blocks.")) {
                    flop += 2.0 * tokens * shape[0] * shape[1];
                }
            }
            assertEquals(flop / 1e9, BenchCommand.gflopPerImage(c), 1e-9 * flop / 1e9, preset);
        }
    }

    @Test
    void automaticWarmUpAndIterations() throws Exception {
        Result r = vitj("bench", "--model", Fixtures.path("timm-vit-tiny").toString(), "--batch", "1",
                "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode res = new ObjectMapper().readTree(r.out()).get("results").get(0);
        int warm = res.get("warmup_passes").asInt();
        int passes = res.get("iterations").asInt();
        assertTrue(warm >= 3 && warm <= 50, r.out());
        assertTrue(passes >= 3 && passes <= 20, r.out());
        assertTrue(res.get("median_ms_per_batch").asDouble() >= res.get("best_ms_per_batch").asDouble(), r.out());
    }

    @Test
    void textOutputNamesTheStages() {
        Result r = vitj("bench", "--model", Fixtures.path("timm-vit-tiny").toString(), "--batch", "1",
                "--iterations", "1", "--warmup", "0", "--reference");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("images/s") && r.out().contains("attention") && r.out().contains("mlp"), r.out());
        assertTrue(r.out().contains("reference VisionTransformer"), r.out());
    }

    @Test
    void badArgumentsAreUsageErrors() {
        String dir = Fixtures.path("timm-vit-tiny").toString();
        assertEquals(2, vitj("bench", "--model", dir, "--preset", "B/16").code());
        assertEquals(2, vitj("bench", "--model", dir, "--batch", "0").code());
        assertEquals(2, vitj("bench", "--model", dir, "--batch", "1,x").code());
        assertEquals(2, vitj("bench", "--model", dir, "--threads", "0").code());
        assertEquals(2, vitj("bench", "--model", dir, "--iterations", "0").code());
        assertEquals(2, vitj("bench", "--model", dir, "--warmup", "-1").code());
        assertEquals(2, vitj("bench", "--preset", "Q/7").code());
        Result r = vitj("bench", "--model", "/no/such/dir");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("no such directory"), r.err());
    }
}
