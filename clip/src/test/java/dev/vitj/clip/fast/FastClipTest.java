package dev.vitj.clip.fast;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vitj.clip.ClipModel;
import dev.vitj.clip.OpenClip;
import dev.vitj.clip.OpenClipConfig;
import dev.vitj.clip.TextTransformer;
import dev.vitj.clip.TokenRows;
import dev.vitj.core.fast.Profile;
import dev.vitj.core.io.SafeTensors;
import dev.vitj.core.nn.Parameter;
import dev.vitj.core.testing.Fixtures;
import dev.vitj.core.testing.Parity;
import dev.vitj.vit.ForwardOptions;
import dev.vitj.vit.ViTOutput;
import dev.vitj.vit.fast.FastVisionEncoder;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Both CLIP towers through the fast path: against open_clip's outputs on fixtures/openclip-tiny (the
 * tolerances of OpenClipParityTest: features 1e-4, probabilities 1e-5), and the text tower against
 * {@link TextTransformer} (the oracle, float64) on random weights of every supported layout.
 */
class FastClipTest {
    private static List<String> prompts() throws IOException {
        JsonNode root = new ObjectMapper().readTree(Fixtures.path("openclip-tiny/fixture.json").toFile());
        List<String> out = new ArrayList<>();
        for (JsonNode p : root.get("prompts")) {
            out.add(p.get("text").asText());
        }
        return out;
    }

    @Test
    void bothTowersMatchOpenClip() throws IOException {
        OpenClip clip = OpenClip.load(Fixtures.path("openclip-tiny"));
        ClipModel model = clip.model();
        Map<String, INDArray> expected = SafeTensors.load(Fixtures.path("openclip-tiny/outputs.safetensors"));
        INDArray pixels;
        try (SafeTensors in = SafeTensors.open(Fixtures.path("openclip-tiny/inputs.safetensors"))) {
            pixels = in.get("pixel_values");
        }
        try (FastVisionEncoder image = FastVisionEncoder.compile(model.visual());
             FastTextEncoder text = FastTextEncoder.compile(model.text())) {
            ViTOutput v = image.forward(pixels, ForwardOptions.all());
            double fi = Parity.assertClose("image_features", expected.get("image_features"), v.logits(), 1e-4).maxAbs();
            Parity.assertClose("visual.ln_post", expected.get("visual.ln_post"), v.features(), 1e-4);
            double pi = 0;
            for (int i = 0; i < 3; i++) {
                pi = Math.max(pi, Parity.assertClose("visual probs " + i, expected.get("visual.blocks." + i + ".attn_probs"),
                        v.attention(i), 1e-5).maxAbs());
            }

            long[][] tokens = model.tokenize(prompts());
            TextTransformer.Output t = text.forward(tokens, true, null);
            double ft = Parity.assertClose("text_features", expected.get("text_features"), t.features(), 1e-4).maxAbs();
            long[] eot = expected.get("text.eot_index").toLongVector();
            for (int i = 0; i < eot.length; i++) {
                assertEquals(eot[i], t.poolIndex()[i], "eot index of prompt " + i);
            }
            double pt = 0;
            for (int i = 0; i < 2; i++) {
                pt = Math.max(pt, Parity.assertClose("text probs " + i, expected.get("text.blocks." + i + ".attn_probs"),
                        t.attention().get(i), 1e-5).maxAbs());
            }
            System.out.printf("fast openclip-tiny: max |dev| image features %.3g, image probs %.3g, text features %.3g, "
                    + "text probs %.3g%n", fi, pi, ft, pt);
        }
    }

    private static TextTransformer randomText(OpenClipConfig.Text c, int embed, String act, long seed) {
        Nd4j.getRandom().setSeed(seed);
        TextTransformer t = new TextTransformer(c, embed, act);
        for (Map.Entry<String, Parameter> e : t.namedParameters().entrySet()) {
            INDArray v = e.getValue().value();
            String k = e.getKey();
            if (k.contains("norm") || k.contains("ln_final") || k.endsWith("gamma")) {
                e.getValue().set(Nd4j.rand(DataType.FLOAT, v.shape()).addi(0.5));
            } else if (k.endsWith("bias")) {
                e.getValue().set(Nd4j.randn(DataType.FLOAT, v.shape()).muli(0.2));
            }
        }
        return t;
    }

    private static long[][] randomTokens(int b, int len, int vocab, long seed) {
        Random rnd = new Random(seed);
        long[][] t = new long[b][len];
        for (int i = 0; i < b; i++) {
            int eot = 1 + rnd.nextInt(len - 1);
            for (int j = 0; j < len; j++) {
                t[i][j] = j < eot ? 1 + rnd.nextInt(vocab - 2) : (j == eot ? vocab - 1 : 0);
            }
        }
        return t;
    }

    private static void compareText(String what, OpenClipConfig.Text c, String act, int batch, int len) {
        TextTransformer text = randomText(c, 24, act, what.hashCode());
        long[][] tokens = randomTokens(batch, len, c.vocabSize(), 7);
        try (FastTextEncoder fast = FastTextEncoder.compile(text)) {
            Profile profile = new Profile();
            TextTransformer.Output got = fast.forward(tokens, true, profile);
            text.to(DataType.DOUBLE);
            TextTransformer.Output ref = text.forward(tokens, true, null);
            assertArrayEquals(ref.poolIndex(), got.poolIndex());
            double f = Parity.assertClose(what + " features", ref.features(), got.features(), 2e-4, 1e-4).maxAbs();
            double p = 0;
            for (int i = 0; i < c.layers(); i++) {
                p = Math.max(p, Parity.assertClose(what + " probs " + i, ref.attention().get(i), got.attention().get(i), 2e-6).maxAbs());
            }
            assertTrue(profile.nanos(Profile.Stage.ATTENTION_CORE) > 0);
            System.out.printf("fast vs TextTransformer %-26s max |dev| features %.2g probs %.2g%n", what, f, p);
            // a second call with fewer, shorter texts reuses the buffers
            long bytes = fast.nativeBytes();
            fast.encode(randomTokens(1, len - 2, c.vocabSize(), 8));
            assertEquals(bytes, fast.nativeBytes());
        }
    }

    @Test
    void textTowerLayouts() {
        // contextLength, vocab, width, heads, layers, mlpRatio, ls, pool, causal, projBias, lnAfterPool, eps
        compareText("argmax, bare projection", new OpenClipConfig.Text(16, 50, 32, 4, 2, 4.0, null, "argmax", true, false,
                false, 1e-5), "gelu", 3, 16);
        compareText("linear projection, ln after pool", new OpenClipConfig.Text(16, 50, 32, 2, 2, 4.0, null, "last", true,
                true, true, 1e-5), "quick_gelu", 2, 12);
        compareText("first, not causal, layer scale", new OpenClipConfig.Text(12, 40, 24, 3, 1, 2.0, 0.3, "first", false,
                false, false, 1e-5), "gelu", 2, 9);
    }

    @Test
    void encodeSkipsThePaddingAfterTheLastEndOfText() {
        OpenClipConfig.Text c = new OpenClipConfig.Text(16, 50, 32, 4, 2, 4.0, null, "argmax", true, false, false, 1e-5);
        TextTransformer text = randomText(c, 24, "gelu", 5);
        long[][] tokens = new long[2][16]; // end of text (the largest id, 49) at positions 3 and 5, zeros after
        long[][] prompts = {{1, 7, 9, 49}, {1, 4, 4, 8, 2, 49}};
        for (int i = 0; i < 2; i++) {
            System.arraycopy(prompts[i], 0, tokens[i], 0, prompts[i].length);
        }
        assertEquals(6, TokenRows.trimPadding(c, tokens)[0].length, "rows are cut after position 5");
        try (FastTextEncoder fast = FastTextEncoder.compile(text)) {
            INDArray all16 = fast.forward(tokens, false, null).features(); // every position computed
            Parity.assertClose("encode (6 positions) vs forward (16)", all16, fast.encode(tokens), 1e-5);
            Parity.assertClose("fast encode vs TextTransformer.encode", text.encode(tokens), fast.encode(tokens), 1e-4);
        }
    }

    @Test
    void badTokensAreRejected() {
        TextTransformer text = randomText(new OpenClipConfig.Text(8, 20, 16, 2, 1, 4.0, null, "argmax", true, false, false,
                1e-5), 8, "gelu", 1);
        try (FastTextEncoder fast = FastTextEncoder.compile(text)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fast.encode(new long[][] {{1, 20}}));
            assertTrue(e.getMessage().contains("outside the vocabulary"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> fast.encode(new long[][] {{1, 2}, {1}}));
            assertThrows(IllegalArgumentException.class, () -> fast.encode(new long[][] {new long[9]}));
            assertThrows(IllegalArgumentException.class, () -> fast.encode(new long[0][]));
        }
    }
}
