package dev.vitj.examples;

import dev.vitj.examples.cli.Args;
import dev.vitj.examples.cli.Command;
import dev.vitj.examples.cli.UsageException;
import dev.vitj.clip.OpenClip;
import dev.vitj.examples.demo.Demo;
import dev.vitj.vit.VisionModelLoader;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.Set;

/**
 * {@code vitj demo}: the main job. Analyses a CLIP model (the small embedded default, or any OpenCLIP
 * directory; a timm ViT without the zero-shot part) on held-out synthetic shapes images and writes an offline HTML
 * report, {@code summary.json} and the figures as PNGs; see {@link Demo}. A second model ({@code --compare DIR},
 * by default the embedded ViT classifier next to the embedded CLIP) is shown beside the first.
 */
final class DemoCommand implements Command {
    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String summary() {
        return "the end-to-end demo: zero-shot vs probe, retrieval, attention, rollout, localisation -> report.html";
    }

    @Override
    public String usage() {
        return """
                usage: vitj demo [--out DIR] [--model DIR] [--compare DIR | --no-compare] [--images N]
                                 [--train-images N] [--seed S]
                  --out DIR           output folder (default out/demo): report.html (one offline file),
                                      summary.json (every number) and the figures as PNGs
                  --model DIR         an OpenCLIP model directory (open_clip_config.json, open_clip_model.safetensors
                                      or open_clip_pytorch_model.bin, vocab.json + merges.txt), or a timm ViT
                                      directory (config.json + model.safetensors: everything but zero-shot);
                                      default: the small CLIP model embedded in vitj (no download)
                  --compare DIR       a second model (OpenCLIP or timm ViT directory) analysed on the same images:
                                      its attention per layer and head beside the first model's, its localisation
                                      IoU next to the first model's, and for a classifier whose label_names are the
                                      five shapes its held-out shape accuracy (files *_compare*, summary.json
                                      "compare"); default: the small ViT classifier embedded in vitj when the
                                      first model is the embedded CLIP, else none
                  --no-compare        analyse one model only
                  --images N          held-out shapes images to analyse (default 300, 20..2000)
                  --train-images N    training-split images for the linear probe (default: as --images)
                  --seed S            seed of the shapes images (default 0)""";
    }

    @Override
    public Set<String> valuedOptions() {
        return Set.of("out", "model", "compare", "images", "train-images", "seed");
    }

    @Override
    public Set<String> switches() {
        return Set.of("no-compare");
    }

    @Override
    public int run(Args args) throws Exception {
        if (!args.positional().isEmpty()) {
            throw new UsageException("unexpected argument '" + args.positional().get(0) + "'");
        }
        Path out = Paths.get(args.get("out", "out/demo"));
        Path model = args.has("model") ? modelDir(args, "model") : null;
        if (args.has("compare") && args.flag("no-compare")) {
            throw new UsageException("give --compare DIR or --no-compare, not both");
        }
        Path compare = args.has("compare") ? modelDir(args, "compare") : null;
        // Next to the embedded CLIP, the embedded ViT classifier by default (when this build carries it).
        boolean compareEmbedded = compare == null && model == null && !args.flag("no-compare")
                && Demo.embeddedVitAvailable();
        int images = args.getInt("images", 300);
        int train = args.getInt("train-images", images);
        long seed;
        try {
            seed = Long.parseLong(args.get("seed", "0").trim());
        } catch (NumberFormatException e) {
            throw new UsageException("option --seed expects an integer, got '" + args.get("seed") + "'");
        }
        for (String opt : new String[] {"images", "train-images"}) {
            int v = opt.equals("images") ? images : train;
            if (v < Demo.Options.MIN_IMAGES || v > Demo.Options.MAX_IMAGES) {
                throw new UsageException("--" + opt + " must be between " + Demo.Options.MIN_IMAGES + " and "
                        + Demo.Options.MAX_IMAGES + ", got " + v);
            }
        }
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true"); // figures are files: a command line never needs a display
        }
        if (model == null && !Demo.embeddedModelAvailable()) {
            throw new UsageException("this build has no embedded default model (classpath resource "
                    + Demo.EMBEDDED_MODEL + " is missing); run the demo on an OpenCLIP directory with --model DIR");
        }
        Demo.Result r = Demo.run(new Demo.Options(out, model, compare, compareEmbedded, images, train, seed));
        if (Double.isNaN(r.zeroShotAuc())) {
            System.out.printf(Locale.ROOT, "large vs small, held-out AUC: linear probe %.3f (no text tower: no zero-shot)%n",
                    r.probeAuc());
        } else {
            System.out.printf(Locale.ROOT, "large vs small, held-out AUC: zero-shot %.3f, linear probe %.3f%n",
                    r.zeroShotAuc(), r.probeAuc());
        }
        System.out.printf(Locale.ROOT, "localisation, mean IoU at 0.5: cls-last %.3f, rollout %.3f%n",
                r.clsLastIou(), r.rolloutIou());
        if (r.compare() != null) {
            Demo.Compared c = r.compare();
            System.out.printf(Locale.ROOT, "comparison model %s: mean IoU at 0.5: cls-last %.3f, rollout %.3f%s%n",
                    c.model(), c.clsLastIou(), c.rolloutIou(), Double.isNaN(c.shapeAccuracy()) ? ""
                            : String.format(Locale.ROOT, "; held-out shape accuracy %.3f", c.shapeAccuracy()));
        }
        System.out.printf(Locale.ROOT, "done in %.1f s%n", r.seconds());
        System.out.println("report:  " + r.report());
        System.out.println("summary: " + r.summary());
        return 0;
    }

    /** A model directory option: an existing directory that some model format recognises. */
    private static Path modelDir(Args args, String option) {
        Path dir = args.existingDir(option);
        if (!OpenClip.isOpenClipDirectory(dir)) {
            try {
                VisionModelLoader.detect(dir);
            } catch (IOException e) {
                throw new UsageException("--" + option + ": " + e.getMessage());
            }
        }
        return dir;
    }
}
