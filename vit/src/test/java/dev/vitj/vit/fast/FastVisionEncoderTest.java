package dev.vitj.vit.fast;

import dev.vitj.core.fast.FastOps;
import dev.vitj.core.fast.Gemm;
import dev.vitj.core.fast.Nd4jGemm;
import dev.vitj.core.fast.Profile;
import dev.vitj.core.io.SafeTensors;
import dev.vitj.core.kernels.Kernels;
import dev.vitj.core.nn.Parameter;
import dev.vitj.core.testing.Fixtures;
import dev.vitj.core.testing.Parity;
import dev.vitj.vit.ForwardOptions;
import dev.vitj.vit.TimmLoader;
import dev.vitj.vit.ViTOutput;
import dev.vitj.vit.VisionTransformer;
import dev.vitj.vit.VitConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fast path against timm (fixtures/timm-vit-tiny, with the tolerances of its README) and against
 * {@link VisionTransformer} (the oracle, run in float64) on random weights of every supported layout.
 */
class FastVisionEncoderTest {

    @Test
    void matchesTheTimmFixture() throws IOException {
        INDArray pixels;
        Map<String, INDArray> expected;
        try (SafeTensors in = Fixtures.open("timm-vit-tiny/inputs.safetensors");
             SafeTensors out = Fixtures.open("timm-vit-tiny/outputs.safetensors")) {
            pixels = in.get("pixel_values"); // [3, 3, 64, 64]
            expected = out.readAll(null);
        }
        VisionTransformer vit = TimmLoader.load(Fixtures.path("timm-vit-tiny")).model();
        for (FastOps.AttentionProducts mode : FastOps.AttentionProducts.values()) {
            matchesTheTimmFixture(vit, new FastOps(Kernels.best(), Gemm.best(), 2, mode), pixels, expected);
        }
    }

    private static void matchesTheTimmFixture(VisionTransformer vit, FastOps ops, INDArray pixels,
                                              Map<String, INDArray> expected) {
        try (FastVisionEncoder fast = FastVisionEncoder.compile(vit, ops)) {
            ViTOutput out = fast.forward(pixels, ForwardOptions.all());
            double f = Parity.assertClose("features", expected.get("forward_features"), out.features(), 1e-4).maxAbs();
            double p = Parity.assertClose("pooled", expected.get("pre_logits"), out.pooled(), 1e-4).maxAbs();
            double l = Parity.assertClose("logits", expected.get("logits"), out.logits(), 1e-5).maxAbs();
            double a = 0;
            for (int i = 0; i < 3; i++) {
                a = Math.max(a, Parity.assertClose("attention " + i, expected.get("blocks." + i + ".attn.probs"),
                        out.attention(i), 1e-6).maxAbs());
            }
            System.out.printf("fast timm-vit-tiny: max |dev| features %.3g, pooled %.3g, logits %.3g, probs %.3g (%s)%n",
                    f, p, l, a, fast.ops().describe());
            Parity.assertClose("forward", expected.get("logits"), fast.forward(pixels), 1e-5);
            Parity.assertClose("tokens", expected.get("pos_embed_out"), fast.tokens(pixels), 1e-4);
            // one image at a time gives that image's row
            INDArray one = pixels.get(NDArrayIndex.interval(2, 3)).dup();
            Parity.assertClose("batch of one", expected.get("logits").get(NDArrayIndex.interval(2, 3)), fast.forward(one), 1e-5);
        }
    }

    /** A small model with every parameter random (norms and embeddings too, so each one matters). */
    private static VisionTransformer random(VitConfig c, long seed) {
        Nd4j.getRandom().setSeed(seed);
        VisionTransformer vit = new VisionTransformer(c);
        for (Map.Entry<String, Parameter> e : vit.namedParameters().entrySet()) {
            INDArray v = e.getValue().value();
            String k = e.getKey();
            if (k.contains("norm") || k.endsWith("gamma")) {
                e.getValue().set(Nd4j.rand(DataType.FLOAT, v.shape()).addi(0.5));
            } else if (k.endsWith("bias") || k.equals("cls_token") || k.equals("pos_embed")) {
                e.getValue().set(Nd4j.randn(DataType.FLOAT, v.shape()).muli(0.2));
            }
        }
        return vit;
    }

    private static void compare(String what, VitConfig c, int batch, FastOps ops) {
        VisionTransformer vit = random(c, what.hashCode());
        INDArray pixels = Nd4j.randn(DataType.FLOAT, batch, c.inChans(), c.imgSize(), c.imgSize());
        try (FastVisionEncoder fast = FastVisionEncoder.compile(vit, ops)) {
            ViTOutput got = fast.forward(pixels, ForwardOptions.all());
            vit.to(DataType.DOUBLE); // the oracle in float64, from the same float32 weights
            ViTOutput ref = vit.forward(pixels.castTo(DataType.DOUBLE), ForwardOptions.all());
            double f = Parity.assertClose(what + " features", ref.features(), got.features(), 2e-4, 1e-4).maxAbs();
            double p = Parity.assertClose(what + " pooled", ref.pooled(), got.pooled(), 2e-4, 1e-4).maxAbs();
            double l = Parity.assertClose(what + " logits", ref.logits(), got.logits(), 2e-4, 1e-4).maxAbs();
            double a = 0;
            for (int i = 0; i < c.depth(); i++) {
                a = Math.max(a, Parity.assertClose(what + " attention " + i, ref.attention(i), got.attention(i), 2e-6).maxAbs());
            }
            System.out.printf("fast vs VisionTransformer %-28s max |dev| features %.2g pooled %.2g logits %.2g probs %.2g%n",
                    what, f, p, l, a);
        }
    }

    private static VitConfig small() {
        return VitConfig.vitTiny(8).withImgSize(32).withEmbedDim(48).withNumHeads(3).withDepth(2).withNumClasses(7);
    }

    @Test
    void timmLayoutOnRandomWeights() {
        compare("token pool", small(), 2, FastOps.defaults());
    }

    @Test
    void clipLayout() {
        // ln_pre, no patch bias, bias-free head (CLIP's proj), quick GELU, eps 1e-5
        compare("clip style", small().clipStyle().withHeadBias(false).withActivation("quick_gelu"), 3, FastOps.defaults());
    }

    @Test
    void averagePoolingWithFcNormAndLayerScale() {
        compare("avg + fc_norm + ls", small().withGlobalPool("avg").withLayerScaleInit(0.5).withActivation("gelu_tanh"), 2,
                FastOps.defaults());
    }

    @Test
    void noClassTokenNoPoolingNoHead() {
        compare("no cls, per-token head", small().withGlobalPool("").withClassToken(false), 2, FastOps.defaults());
        compare("no head", small().withNumClasses(0), 2, FastOps.defaults());
    }

    @Test
    void javaAndBlasAttentionProductsGiveTheSameResults() {
        compare("java attention products", small(), 2,
                new FastOps(Kernels.best(), Gemm.best(), 2, FastOps.AttentionProducts.JAVA));
        compare("blas attention products", small(), 2,
                new FastOps(Kernels.best(), Gemm.best(), 2, FastOps.AttentionProducts.BLAS));
    }

    @Test
    void scalarKernelsNd4jGemmAndOneThreadGiveTheSameResults() {
        compare("scalar + nd4j gemm + 1 thread", small(), 2, new FastOps(Kernels.scalar(), new Nd4jGemm(), 1));
    }

    @Test
    void buffersAreReusedAndInputsOfAnyLayoutAccepted() {
        VitConfig c = small();
        VisionTransformer vit = random(c, 99);
        INDArray pixels = Nd4j.randn(DataType.FLOAT, 3, 3, 32, 32);
        try (FastVisionEncoder fast = FastVisionEncoder.compile(vit)) {
            INDArray first = fast.forward(pixels);
            long bytes = fast.nativeBytes();
            Profile profile = new Profile();
            INDArray second = fast.forward(pixels, ForwardOptions.logitsOnly(), profile).logits();
            assertEquals(bytes, fast.nativeBytes(), "a second pass of the same batch must not allocate buffers");
            Parity.assertClose("repeat", first, second, 0);
            assertTrue(profile.nanos(Profile.Stage.ATTENTION_CORE) > 0 && profile.nanos(Profile.Stage.EMBED) > 0);
            // smaller batches reuse the buffers
            fast.forward(pixels.get(NDArrayIndex.interval(0, 1)).dup());
            assertEquals(bytes, fast.nativeBytes());
            // double, Fortran-ordered and view inputs give the same answer
            Parity.assertClose("double", first, fast.forward(pixels.castTo(DataType.DOUBLE)), 1e-5);
            Parity.assertClose("f order", first, fast.forward(pixels.dup('f')), 1e-6);
            INDArray big = Nd4j.randn(DataType.FLOAT, 5, 3, 32, 32);
            big.get(NDArrayIndex.interval(1, 4)).assign(pixels);
            Parity.assertClose("view", first, fast.forward(big.get(NDArrayIndex.interval(1, 4))), 1e-6);
            // the model can change afterwards without affecting the compiled copy
            vit.namedParameters().get("head.weight").value().muli(2);
            Parity.assertClose("snapshot", first, fast.forward(pixels), 0);
            // outputs are the caller's own arrays
            assertFalse(first == second);
        }
    }

    @Test
    void badInputsAreRejectedWithClearMessages() {
        try (FastVisionEncoder fast = FastVisionEncoder.compile(random(small(), 5))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> fast.forward(Nd4j.zeros(DataType.FLOAT, 1, 3, 64, 64)));
            assertTrue(e.getMessage().contains("expected [B, 3, 32, 32]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> fast.forward(Nd4j.zeros(DataType.FLOAT, 1, 3, 32, 32), ForwardOptions.all().withIntermediates(true)));
            assertTrue(e.getMessage().contains("intermediates"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> fast.forward(Nd4j.zeros(DataType.INT, 1, 3, 32, 32)));
            assertThrows(IllegalArgumentException.class, () -> fast.forward(Nd4j.zeros(DataType.FLOAT, 1, 3, 32, 32), ForwardOptions.none()));
        }
    }
}
