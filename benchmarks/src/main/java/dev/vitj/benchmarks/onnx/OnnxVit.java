package dev.vitj.benchmarks.onnx;

import dev.vitj.vit.VisionTransformer;
import dev.vitj.vit.VitConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * Writes a timm-style {@link VisionTransformer} as an ONNX graph of standard operators (opset 17), the
 * graph a PyTorch export of timm's ViT gives: {@code Conv} patch embedding, {@code LayerNormalization},
 * {@code MatMul} + {@code Add} projections, attention as {@code MatMul} / {@code Softmax} per head in
 * one batched tensor, and exact GELU written as {@code 0.5·x·(1 + erf(x/√2))} (ONNX Runtime 1.23 runs it as
 * separate Erf and Mul nodes; its profiler shows no Gelu fusion for this pattern).
 *
 * <p>This is the peer baseline of the benchmarks: ONNX Runtime runs the same weights as vitj, and the
 * unit test checks that both give the same logits. Supported: a class token pooled by {@code "token"},
 * GELU or QuickGELU, no pre-norm, no layer scale, a classifier head; anything else is refused by name.
 */
public final class OnnxVit {
    /** The graph's input, {@code [B, C, H, W]}, and output, {@code [B, classes]}. */
    public static final String INPUT = "pixel_values";
    public static final String OUTPUT = "logits";

    private OnnxVit() {}

    /**
     * The ONNX model bytes of {@code vit} for batches of exactly {@code batch} images (fixed shapes let
     * ONNX Runtime plan its memory once, as it would for a model exported at a fixed batch).
     */
    public static byte[] export(VisionTransformer vit, int batch) {
        VitConfig c = vit.config();
        require(c.classToken() && c.globalPool().equals("token"), "class-token pooling", c.globalPool());
        require(c.activation().equals("gelu") || c.activation().equals("quick_gelu"), "GELU or QuickGELU", c.activation());
        require(!c.preNorm(), "no norm_pre", "preNorm");
        require(c.layerScaleInit() == null, "no layer scale", "layerScaleInit " + c.layerScaleInit());
        require(!c.usesFcNorm(), "the final norm before pooling", "fc_norm");
        require(c.numClasses() > 0, "a classifier head", "numClasses 0");
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
        Map<String, INDArray> w = vit.stateDict();
        int d = c.embedDim();
        int heads = c.numHeads();
        int grid = c.imgSize() / c.patchSize();
        int n = grid * grid + 1;
        OnnxGraph g = new OnnxGraph("vit");

        String x = g.input(INPUT, batch, c.inChans(), c.imgSize(), c.imgSize());
        // patch embedding: a stride-p convolution, then [B, D, g, g] -> [B, g·g, D]
        x = g.node("Conv", w.containsKey("patch_embed.proj.bias")
                        ? new String[] {x, weight(g, w, "patch_embed.proj.weight"), weight(g, w, "patch_embed.proj.bias")}
                        : new String[] {x, weight(g, w, "patch_embed.proj.weight")},
                "kernel_shape", new long[] {c.patchSize(), c.patchSize()}, "strides", new long[] {c.patchSize(), c.patchSize()});
        x = g.node("Reshape", x, g.int64("patch_shape", false, batch, d, n - 1));
        x = g.node("Transpose", new String[] {x}, "perm", new long[] {0, 2, 1}); // [B, N-1, D]
        String cls = g.node("Expand", weight(g, w, "cls_token"), g.int64("cls_shape", false, batch, 1, d));
        x = g.node("Concat", new String[] {cls, x}, "axis", 1L);
        x = g.node("Add", x, weight(g, w, "pos_embed")); // [B, N, D]

        x = encoderBlocks(g, w, x, c.depth(), batch, n, d, heads, c.normEps(), null, c.activation());
        x = layerNorm(g, w, x, "norm", c.normEps());
        x = g.node("Gather", new String[] {x, g.int64("cls_index", true, 0)}, "axis", 1L); // [B, D]
        g.output(linear(g, w, x, "head"), batch, c.numClasses());
        return g.toModel(17);
    }

    /**
     * The pre-norm encoder blocks {@code blocks.0 .. blocks.(depth-1)} (vitj's names, shared by the ViT and the
     * CLIP text tower): {@code x + attn(norm1(x))}, then {@code x + mlp(norm2(x))}.
     *
     * @param x    the tokens, {@code [batch, n, d]}
     * @param mask an additive attention mask {@code [n, n]} (the text tower's causal mask), or null
     * @param act  the MLP activation: {@code gelu} (exact) or {@code quick_gelu}
     */
    static String encoderBlocks(OnnxGraph g, Map<String, INDArray> w, String x, int depth, int batch, int n, int d,
                                int heads, double eps, String mask, String act) {
        if (!act.equals("gelu") && !act.equals("quick_gelu")) {
            throw new IllegalArgumentException("ONNX export supports gelu and quick_gelu, not " + act);
        }
        String qkvShape = g.int64("qkv_shape", false, batch, n, 3, heads, d / heads);
        String mergedShape = g.int64("merged_shape", false, batch, n, d);
        String scale = g.scalar("attn_scale", (float) (1.0 / Math.sqrt(d / heads)));
        boolean exact = act.equals("gelu");
        String half = exact ? g.scalar("half", 0.5f) : null;
        String one = exact ? g.scalar("one", 1f) : null;
        String invSqrt2 = exact ? g.scalar("inv_sqrt2", (float) (1.0 / Math.sqrt(2.0))) : null;
        String quick = exact ? null : g.scalar("quick_gelu_scale", 1.702f);
        String[] which = {g.int64("q_index", true, 0), g.int64("k_index", true, 1), g.int64("v_index", true, 2)};
        for (int i = 0; i < depth; i++) {
            String p = "blocks." + i + ".";
            String h = layerNorm(g, w, x, p + "norm1", eps);
            String qkv = linear(g, w, h, p + "attn.qkv"); // [B, N, 3D]
            qkv = g.node("Reshape", qkv, qkvShape);
            qkv = g.node("Transpose", new String[] {qkv}, "perm", new long[] {2, 0, 3, 1, 4}); // [3, B, heads, N, hd]
            String q = g.node("Gather", new String[] {qkv, which[0]}, "axis", 0L);
            String k = g.node("Gather", new String[] {qkv, which[1]}, "axis", 0L);
            String v = g.node("Gather", new String[] {qkv, which[2]}, "axis", 0L);
            k = g.node("Transpose", new String[] {k}, "perm", new long[] {0, 1, 3, 2}); // [B, heads, hd, N]
            String s = g.node("Mul", g.node("MatMul", q, k), scale); // [B, heads, N, N]
            if (mask != null) {
                s = g.node("Add", s, mask);
            }
            String a = g.node("Softmax", new String[] {s}, "axis", -1L);
            String o = g.node("MatMul", a, v); // [B, heads, N, hd]
            o = g.node("Transpose", new String[] {o}, "perm", new long[] {0, 2, 1, 3});
            o = g.node("Reshape", o, mergedShape); // [B, N, D]
            x = g.node("Add", x, linear(g, w, o, p + "attn.proj"));

            h = layerNorm(g, w, x, p + "norm2", eps);
            h = linear(g, w, h, p + "mlp.fc1"); // [B, N, hidden]
            if (exact) { // 0.5·x·(1 + erf(x/√2))
                String erf = g.node("Erf", g.node("Mul", h, invSqrt2));
                h = g.node("Mul", g.node("Mul", h, half), g.node("Add", erf, one));
            } else { // x·σ(1.702·x)
                h = g.node("Mul", h, g.node("Sigmoid", g.node("Mul", h, quick)));
            }
            x = g.node("Add", x, linear(g, w, h, p + "mlp.fc2"));
        }
        return x;
    }

    static String layerNorm(OnnxGraph g, Map<String, INDArray> w, String x, String name, double eps) {
        return g.node("LayerNormalization", new String[] {x, weight(g, w, name + ".weight"), weight(g, w, name + ".bias")},
                "axis", -1L, "epsilon", (float) eps);
    }

    /** {@code x·Wᵀ + b}: torch stores {@code W} as [out, in]; MatMul wants [in, out]. */
    static String linear(OnnxGraph g, Map<String, INDArray> w, String x, String name) {
        String weightT = constant(g, name + ".weight.T", tensor(w, name + ".weight").transpose());
        String y = g.node("MatMul", x, weightT);
        return w.containsKey(name + ".bias") ? g.node("Add", y, weight(g, w, name + ".bias")) : y;
    }

    /** The model's tensor {@code name} as a float32 initialiser of the same name. */
    static String weight(OnnxGraph g, Map<String, INDArray> w, String name) {
        return constant(g, name, tensor(w, name));
    }

    /** {@code values} (any float type, any layout, views included) as a float32 initialiser. */
    static String constant(OnnxGraph g, String name, INDArray values) {
        INDArray f = values.castTo(DataType.FLOAT).dup('c');
        return g.constant(name, f.data().asFloat(), f.shape());
    }

    static INDArray tensor(Map<String, INDArray> w, String name) {
        INDArray t = w.get(name);
        if (t == null) {
            throw new IllegalArgumentException("the model has no tensor '" + name + "'");
        }
        return t;
    }

    private static void require(boolean ok, String what, String got) {
        if (!ok) {
            throw new IllegalArgumentException("OnnxVit exports ViTs with " + what + ", not " + got);
        }
    }
}
