package dev.vitj.examples;

import dev.vitj.clip.OpenClipVisionFormat;
import dev.vitj.examples.cli.Args;
import dev.vitj.examples.cli.Command;
import dev.vitj.vit.ForwardOptions;
import dev.vitj.vit.VitCheckpoint;
import dev.vitj.vit.ViTOutput;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code vitj classify}: runs a vision model (a timm hub or OpenCLIP directory) on preprocessed pixels or
 * image files, {@code --batch} images per forward pass, and writes {@code forward_features [B,N,D]}, {@code pre_logits [B,D]} and
 * {@code logits [B,C]} as float32 safetensors; prints the top classes per image, with the checkpoint's
 * {@code label_names} when its config gives them.
 */
final class ClassifyCommand implements Command {
    private static final int TOP = 5;

    @Override
    public String name() {
        return "classify";
    }

    @Override
    public String summary() {
        return "classify images with a ViT (timm or OpenCLIP directory); writes features and logits";
    }

    @Override
    public String usage() {
        return """
                usage: vitj classify --model DIR (--pixels FILE | IMAGE...) [--batch N] --out FILE
                  --model DIR     model directory: timm (config.json + model.safetensors or pytorch_model.bin)
                                  or OpenCLIP (open_clip_config.json + weights; its image tower only)
                  --pixels FILE   safetensors file with pixel_values [B, 3, H, W], already preprocessed
                  IMAGE...        image files, preprocessed as the model's config says
                """ + VisionInputs.BATCH_USAGE + """

                  --out FILE      output safetensors (float32): forward_features [B,N,D], pre_logits [B,D],
                                  logits [B,C] (for an OpenCLIP model: the image embedding [B,E], the
                                  projection replaces the classifier; no classes are printed)""";
    }

    @Override
    public Set<String> valuedOptions() {
        return Set.of("model", "pixels", "out", "batch");
    }

    @Override
    public int run(Args args) throws Exception {
        Path out = VisionInputs.out(args);
        int batch = VisionInputs.batchSize(args);
        VitCheckpoint ckpt = VisionInputs.model(args);
        VisionInputs.Input in = VisionInputs.input(args, ckpt);
        ForwardOptions opts = ForwardOptions.none().withFeatures(true).withPooled(true).withLogits(true);
        List<INDArray> features = new ArrayList<>();
        List<INDArray> pooled = new ArrayList<>();
        List<INDArray> logits = new ArrayList<>();
        for (int from = 0; from < in.size(); from += batch) {
            ViTOutput r = ckpt.model().forward(in.chunk(from, Math.min(in.size(), from + batch)), opts);
            features.add(r.features());
            pooled.add(r.pooled());
            logits.add(r.logits());
        }
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.put("forward_features", VisionInputs.concat(features));
        tensors.put("pre_logits", VisionInputs.concat(pooled));
        INDArray all = VisionInputs.concat(logits);
        tensors.put("logits", all);
        VisionInputs.write(out, tensors);

        // only a classifier head has classes; an OpenCLIP tower's "logits" are embedding dimensions
        boolean classifier = !OpenClipVisionFormat.NAME.equals(ckpt.format()) && ckpt.config().numClasses() > 0;
        if (classifier && all.rank() == 2) {
            // label_names only when they name every class: a partial list would mislabel
            List<String> names = ckpt.labelNames() != null && ckpt.labelNames().size() == all.size(1)
                    ? ckpt.labelNames() : null;
            for (int b = 0; b < all.size(0); b++) {
                String name = in.fromPixels() ? "image " + b : args.positional().get(b);
                System.out.println(name + ": " + top(all.getRow(b), names));
            }
        } else if (all.rank() == 2) {
            System.out.println("no classifier head (" + ckpt.format() + "): logits holds the image embedding ["
                    + all.size(0) + ", " + all.size(1) + "]");
        }
        System.out.println("wrote " + out + " (" + ckpt.name() + ", batch " + in.size() + ")");
        return 0;
    }

    /**
     * The top classes by softmax probability, e.g. {@code class 3 (0.612), class 0 (0.201), ...}, or with the
     * checkpoint's label names {@code class 3 star (0.612), class 0 circle (0.201), ...}.
     */
    private static String top(INDArray row, List<String> names) {
        double[] z = row.toDoubleVector();
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] p = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            p[i] = Math.exp(z[i] - max);
            sum += p[i];
        }
        Integer[] idx = new Integer[z.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        java.util.Arrays.sort(idx, (a, b) -> Double.compare(p[b], p[a]));
        StringBuilder s = new StringBuilder();
        for (int k = 0; k < Math.min(TOP, idx.length); k++) {
            if (k > 0) {
                s.append(", ");
            }
            String label = names == null ? "" : " " + names.get(idx[k]);
            s.append(String.format(java.util.Locale.ROOT, "class %d%s (%.3f)", idx[k], label, p[idx[k]] / sum));
        }
        return s.toString();
    }
}
