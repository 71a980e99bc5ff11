package dev.vitj.benchmarks.onnx;

import dev.vitj.clip.OpenClipConfig;
import dev.vitj.clip.TextTransformer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Map;

/**
 * Writes an OpenCLIP text tower ({@link TextTransformer}) as an ONNX graph of standard operators (opset 17), as
 * a PyTorch export of open_clip's {@code encode_text} gives: token embedding ({@code Gather}) plus positions,
 * the encoder blocks with the additive causal mask, {@code ln_final}, the end-of-text token picked by
 * {@code ArgMax} over the ids, and the projection. By default the whole context (77 positions for CLIP) is
 * computed, as in the exported graph.
 *
 * <p>Supported: causal mask, {@code argmax} pooling, {@code ln_final} before pooling, a projection without
 * bias, no layer scale; anything else is refused by name.
 */
public final class OnnxClipText {
    /** The graph's input, token ids {@code [B, context]} (int64), and output, {@code [B, E]}. */
    public static final String INPUT = "input_ids";
    public static final String OUTPUT = "text_features";

    private OnnxClipText() {}

    /**
     * The ONNX model bytes of {@code text} for batches of exactly {@code batch} token rows.
     *
     * @param activation the tower's MLP activation, {@code gelu} or {@code quick_gelu} (the OpenCLIP config's
     *                   {@code quick_gelu} flag)
     */
    public static byte[] export(TextTransformer text, int batch, String activation) {
        return export(text, batch, text.config().contextLength(), activation);
    }

    /**
     * As {@link #export(TextTransformer, int, String)} for rows of {@code length <= context} ids: the first
     * {@code length} positions only. With the causal mask and pooling at the end-of-text token, rows cut after
     * their last end-of-text token give the same features, which is what vitj's {@code trimPadding} does; this
     * lets the peer do the same work.
     */
    public static byte[] export(TextTransformer text, int batch, int length, String activation) {
        OpenClipConfig.Text c = text.config();
        require(c.causalMask(), "a causal mask", "causal_mask false");
        require(c.poolType().equals("argmax"), "argmax pooling", "pool_type " + c.poolType());
        require(!c.finalLnAfterPool(), "ln_final before pooling", "final_ln_after_pool");
        require(!c.projBias(), "a projection without bias", "proj_bias");
        require(c.lsInitValue() == null, "no layer scale", "ls_init_value " + c.lsInitValue());
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
        Map<String, INDArray> w = text.stateDict();
        if (length < 1 || length > c.contextLength()) {
            throw new IllegalArgumentException("length must be 1.." + c.contextLength() + ", got " + length);
        }
        int ctx = length;
        int d = c.width();
        OnnxGraph g = new OnnxGraph("clip_text");

        String ids = g.inputInt64(INPUT, batch, ctx);
        String x = g.node("Gather", new String[] {OnnxVit.weight(g, w, "token_embedding.weight"), ids}, "axis", 0L); // [B, ctx, D]
        INDArray positions = OnnxVit.tensor(w, "positional_embedding") // [context, D] -> the first ctx rows
                .get(NDArrayIndex.interval(0, ctx), NDArrayIndex.all());
        x = g.node("Add", x, OnnxVit.constant(g, "positional_embedding", positions));
        float[] causal = new float[ctx * ctx]; // [ctx, ctx]: -inf where the key comes after the query
        for (int q = 0; q < ctx; q++) {
            for (int k = q + 1; k < ctx; k++) {
                causal[q * ctx + k] = Float.NEGATIVE_INFINITY;
            }
        }
        String mask = g.constant("causal_mask", causal, ctx, ctx);
        x = OnnxVit.encoderBlocks(g, w, x, c.layers(), batch, ctx, d, c.heads(), c.normEps(), mask, activation);
        x = OnnxVit.layerNorm(g, w, x, "ln_final", c.normEps());

        // pool at the end-of-text token, the largest id of each row (ids < 2^24 are exact as floats)
        String eot = g.node("ArgMax", new String[] {g.node("Cast", new String[] {ids}, "to", 1L)}, "axis", 1L, "keepdims", 1L); // [B, 1]
        eot = g.node("Expand", g.node("Reshape", eot, g.int64("eot_shape", false, batch, 1, 1)),
                g.int64("pool_shape", false, batch, 1, d)); // [B, 1, D]
        x = g.node("GatherElements", new String[] {x, eot}, "axis", 1L);
        x = g.node("Reshape", x, g.int64("pooled_shape", false, batch, d)); // [B, D]
        x = g.node("MatMul", x, OnnxVit.weight(g, w, "text_projection")); // [B, E], projection stored [D, E]
        g.output(x, batch, text.embedDim());
        return g.toModel(17);
    }

    private static void require(boolean ok, String what, String got) {
        if (!ok) {
            throw new IllegalArgumentException("OnnxClipText exports text towers with " + what + ", not " + got);
        }
    }
}
