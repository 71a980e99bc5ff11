package dev.vitj.core.fast;

import dev.vitj.core.nn.Activation;
import dev.vitj.core.nn.EncoderBlock;
import dev.vitj.core.nn.MultiHeadAttention;
import dev.vitj.core.nn.Parameter;
import dev.vitj.core.testing.Parity;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The compiled block stack against {@link EncoderBlock#forward} (the oracle, in float64) on random weights:
 * outputs and every block's attention probabilities, with and without layer scale, causal mask, qkv bias.
 */
class FastTransformerTest {
    private static List<EncoderBlock> randomBlocks(int depth, int dim, int heads, String act, boolean qkvBias, Double ls, long seed) {
        Nd4j.getRandom().setSeed(seed);
        List<EncoderBlock> blocks = new ArrayList<>();
        for (int i = 0; i < depth; i++) {
            EncoderBlock b = new EncoderBlock(dim, heads, 4.0, qkvBias, Activation.of(act), 1e-6, ls);
            for (Map.Entry<String, Parameter> e : b.namedParameters().entrySet()) {
                INDArray v = e.getValue().value();
                // non-trivial norms and layer scales; linear weights as initialised
                if (e.getKey().startsWith("norm") || e.getKey().contains("ls")) {
                    e.getValue().set(Nd4j.rand(DataType.FLOAT, v.shape()).addi(0.5));
                } else if (e.getKey().endsWith("bias")) {
                    e.getValue().set(Nd4j.randn(DataType.FLOAT, v.shape()).muli(0.1));
                }
            }
            blocks.add(b);
        }
        return blocks;
    }

    private static void check(String what, List<EncoderBlock> blocks, int batch, int n, boolean causal) {
        int dim = blocks.get(0).dim();
        int heads = blocks.get(0).attn().numHeads();
        FastTransformer fast = FastTransformer.compile(blocks); // copies the float32 weights
        INDArray x = Nd4j.randn(DataType.FLOAT, batch, n, dim);

        // fast path, with each way of computing the attention products
        List<INDArray> outputs = new ArrayList<>();
        List<List<INDArray>> allProbs = new ArrayList<>();
        Profile profile = new Profile();
        FastTransformer.Workspace ws = fast.workspace(batch * n + 5, n + 2); // larger than needed on purpose
        for (FastOps.AttentionProducts mode : FastOps.AttentionProducts.values()) {
            NativeBuffer in = NativeBuffer.viewOf(x.dup('c'));
            ws.x().copyFrom(in, 0, 0, batch * n * dim);
            List<INDArray> fastProbs = new ArrayList<>();
            for (int i = 0; i < blocks.size(); i++) {
                fastProbs.add(Nd4j.create(DataType.FLOAT, batch, heads, n, n));
            }
            fast.run(new FastOps(dev.vitj.core.kernels.Kernels.best(), Gemm.best(), 2, mode), ws, batch, n, causal,
                    (block, image, probs, offset, h, tokens) -> {
                        INDArray dst = fastProbs.get(block);
                        INDArray copy = probs.copyToArray(offset, h, tokens, tokens);
                        dst.get(org.nd4j.linalg.indexing.NDArrayIndex.point(image)).assign(copy);
                    }, profile);
            outputs.add(ws.x().copyToArray(0, batch, n, dim));
            allProbs.add(fastProbs);
        }

        // reference in float64
        INDArray ref = x.castTo(DataType.DOUBLE);
        INDArray mask = causal ? MultiHeadAttention.causalMask(n, DataType.DOUBLE) : null;
        List<INDArray> refProbs = new ArrayList<>();
        for (EncoderBlock b : blocks) {
            b.to(DataType.DOUBLE);
            EncoderBlock.Output o = b.forward(ref, mask, true);
            ref = o.out();
            refProbs.add(o.probs());
        }
        for (FastOps.AttentionProducts mode : FastOps.AttentionProducts.values()) {
            String how = what + " (" + mode.name().toLowerCase(java.util.Locale.ROOT) + " attention)";
            Parity.Report r = Parity.assertClose(how + " output", ref, outputs.get(mode.ordinal()), 2e-4, 1e-4);
            double worstP = 0;
            for (int i = 0; i < blocks.size(); i++) {
                worstP = Math.max(worstP, Parity.assertClose(how + " probs " + i, refProbs.get(i),
                        allProbs.get(mode.ordinal()).get(i), 2e-6).maxAbs());
            }
            System.out.printf("FastTransformer %s: max |dev| output %.3g, probs %.3g%n", how, r.maxAbs(), worstP);
        }
        assertEquals(true, profile.totalNanos() > 0);
        fast.close();
        ws.close();
    }

    @Test
    void vitStyleBlocks() {
        check("gelu", randomBlocks(2, 64, 4, "gelu", true, null, 1), 3, 17, false);
    }

    @Test
    void causalQuickGeluWithLayerScaleAndNoQkvBias() {
        check("quick_gelu+ls+causal", randomBlocks(2, 48, 3, "quick_gelu", false, 0.5, 2), 2, 11, true);
    }

    @Test
    void tanhGeluSingleSequence() {
        check("gelu_tanh", randomBlocks(1, 32, 2, "gelu_tanh", true, null, 3), 1, 9, false);
    }

    @Test
    void attentionSubLayerAlone() {
        List<EncoderBlock> blocks = randomBlocks(2, 32, 4, "gelu", true, null, 9);
        FastTransformer fast = FastTransformer.compile(blocks);
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 10, 32);
        FastTransformer.Workspace ws = fast.workspace(20, 10);
        ws.x().copyFrom(NativeBuffer.viewOf(x.dup('c')), 0, 0, 2 * 10 * 32);
        fast.runAttention(FastOps.defaults(), ws, 1, 2, 10, false);
        EncoderBlock b = blocks.get(1);
        INDArray expected = x.add(b.attn().forward(b.norm1().forward(x))); // x + attn(norm1(x))
        Parity.assertClose("attention sub-layer", expected, ws.x().copyToArray(0, 2, 10, 32), 1e-5);
        assertThrows(IllegalArgumentException.class, () -> fast.runAttention(FastOps.defaults(), ws, 2, 2, 10, false));
    }

    @Test
    void mismatchedBlocksAndWorkspacesAreRejected() {
        List<EncoderBlock> mixed = new ArrayList<>(randomBlocks(1, 32, 2, "gelu", true, null, 4));
        mixed.addAll(randomBlocks(1, 32, 4, "gelu", true, null, 5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FastTransformer.compile(mixed));
        assertEquals(true, e.getMessage().contains("block 1"), e.getMessage());
        FastTransformer fast = FastTransformer.compile(randomBlocks(1, 32, 2, "gelu", true, null, 6));
        FastTransformer.Workspace ws = fast.workspace(10, 5);
        FastOps ops = FastOps.defaults();
        assertThrows(IllegalArgumentException.class, () -> fast.run(ops, ws, 3, 5, false, null, null));
        assertThrows(IllegalArgumentException.class, () -> fast.run(ops, ws, 1, 6, false, null, null));
    }
}
