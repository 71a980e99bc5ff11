package dev.vitj.examples.demo;

import dev.vitj.clip.Embeddings;
import dev.vitj.core.image.ImagePreprocessor;
import dev.vitj.core.image.RasterImage;
import dev.vitj.examples.demo.ShapesImages.Sample;
import dev.vitj.examples.report.ProgressBar;
import dev.vitj.vit.ClsAttention;
import dev.vitj.vit.ForwardOptions;
import dev.vitj.vit.ViTOutput;
import dev.vitj.vit.VisionTransformer;
import dev.vitj.vit.VitConfig;
import dev.vitj.vit.localize.HeatmapMethod;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs the image tower over the demo's images, {@value #BATCH} at a time, through the model's own
 * preprocessing. For the held-out images one pass gives both the embeddings and the attention: the maps
 * are taken from the very probabilities that produced the embedding, and only small per-image maps are
 * kept (the {@code [B, heads, N, N]} tensors are released batch by batch).
 */
final class Encodings {
    /** Images per forward pass. */
    static final int BATCH = 32;

    private Encodings() {}

    /**
     * What the image tower made of the held-out images.
     *
     * @param embeddings    {@code [n][E]} unit-length image embeddings
     * @param clsLast       {@code [n][g][g]} last layer's class-token attention, mean over heads
     *                      ({@link HeatmapMethod#CLS_LAST})
     * @param rollout       {@code [n][g][g]} attention rollout, max-normalised ({@link HeatmapMethod#ROLLOUT})
     * @param layerHeadMaps for the showcase images only: {@code [layer][head][g][g]} class-token attention
     * @param layers        depth of the image tower
     * @param heads         attention heads per layer
     * @param grid          patches per side g
     * @param logits        {@code [n][C]} the classifier head's outputs, or null when not asked for
     */
    record HeldOut(float[][] embeddings, float[][][] clsLast, float[][][] rollout,
                   Map<Integer, float[][][][]> layerHeadMaps, int layers, int heads, int grid, float[][] logits) {}

    /**
     * Unit-length image embeddings {@code [n][E]}; the bar advances by one per image.
     *
     * @param headOutput embed with the head's output (CLIP: the projection) rather than the pooled features
     */
    static float[][] embed(VisionTransformer vision, boolean headOutput, ImagePreprocessor pre, List<Sample> samples,
                           ProgressBar bar) {
        return pass(vision, headOutput, false, pre, samples, null, bar).embeddings();
    }

    /**
     * Embeddings and attention maps of the held-out images from one forward pass per batch.
     *
     * @param headOutput as for {@link #embed}
     * @param showcase   indices whose per-layer, per-head class-token maps are kept
     */
    static HeldOut withAttention(VisionTransformer vision, boolean headOutput, ImagePreprocessor pre,
                                 List<Sample> samples, Set<Integer> showcase, ProgressBar bar) {
        return pass(vision, headOutput, false, pre, samples, showcase, bar);
    }

    /**
     * As {@link #withAttention}, and the classifier head's outputs ({@link HeldOut#logits}) from the same
     * pass: for a classifier whose embedding is the pooled features before its head.
     */
    static HeldOut withAttentionAndLogits(VisionTransformer vision, ImagePreprocessor pre, List<Sample> samples,
                                          Set<Integer> showcase, ProgressBar bar) {
        if (vision.config().numClasses() < 1) {
            throw new IllegalArgumentException("the model has no classifier head, so no logits");
        }
        return pass(vision, false, true, pre, samples, showcase, bar);
    }

    /**
     * The forward passes; without {@code showcase} no attention is computed or kept.
     *
     * @param keepLogits also keep the head's outputs (with {@code headOutput} false: the embedding stays the
     *                   pooled features)
     */
    private static HeldOut pass(VisionTransformer vision, boolean headOutput, boolean keepLogits,
                                ImagePreprocessor pre, List<Sample> samples, Set<Integer> showcase, ProgressBar bar) {
        int n = samples.size();
        boolean attend = showcase != null;
        float[][] embeddings = new float[n][];
        float[][][] clsLast = attend ? new float[n][][] : null;
        float[][][] rollout = attend ? new float[n][][] : null;
        float[][] logits = keepLogits ? new float[n][] : null;
        Map<Integer, float[][][][]> maps = new HashMap<>();
        VitConfig cfg = vision.config();
        ForwardOptions opts = ForwardOptions.none().withLogits(headOutput || keepLogits).withPooled(!headOutput)
                .withAttention(attend);
        for (int start = 0; start < n; start += BATCH) {
            List<Sample> batch = samples.subList(start, Math.min(n, start + BATCH));
            INDArray pixels = pixels(pre, batch); // [b, 3, S, S]
            ViTOutput out = vision.forward(pixels, opts);
            INDArray emb = headOutput ? out.logits() : out.pooled(); // [b, E]
            float[][] features = emb.castTo(DataType.FLOAT).toFloatMatrix();
            for (int i = 0; i < batch.size(); i++) {
                embeddings[start + i] = Embeddings.normalize(features[i]);
            }
            if (keepLogits) {
                float[][] l = out.logits().castTo(DataType.FLOAT).toFloatMatrix(); // [b, C]
                System.arraycopy(l, 0, logits, start, batch.size());
                close(out.logits());
            }
            close(pixels);
            close(emb);
            if (attend) {
                List<INDArray> attention = out.attention(); // per layer [b, heads, N, N]
                float[][][] last = HeatmapMethod.CLS_LAST.grids(attention);
                float[][][] roll = HeatmapMethod.ROLLOUT.grids(attention);
                ClsAttention cls = null;
                for (int i = 0; i < batch.size(); i++) {
                    int index = start + i;
                    clsLast[index] = last[i];
                    rollout[index] = roll[i];
                    if (showcase.contains(index)) {
                        cls = cls == null ? ClsAttention.of(attention) : cls;
                        float[][][][] m = new float[cls.layers()][cls.heads()][][];
                        for (int l = 0; l < cls.layers(); l++) {
                            for (int h = 0; h < cls.heads(); h++) {
                                m[l][h] = cls.map(i, l, h);
                            }
                        }
                        maps.put(index, m);
                    }
                }
                attention.forEach(Encodings::close);
            }
            bar.step(batch.size());
        }
        return new HeldOut(embeddings, clsLast, rollout, Map.copyOf(maps), cfg.depth(), cfg.numHeads(),
                cfg.gridSize(), logits);
    }

    private static INDArray pixels(ImagePreprocessor pre, List<Sample> batch) {
        List<RasterImage> photos = batch.stream().map(Sample::photo).toList();
        return pre.batch(photos);
    }

    private static void close(INDArray a) {
        if (a != null && !a.isView() && a.closeable()) {
            a.close();
        }
    }
}
