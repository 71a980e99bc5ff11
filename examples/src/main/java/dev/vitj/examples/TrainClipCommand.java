package dev.vitj.examples;

import dev.vitj.clip.OpenClipConfig;
import dev.vitj.clip.train.CaptionedImages;
import dev.vitj.clip.train.ClipTraining;
import dev.vitj.core.data.ShapesDataset;
import dev.vitj.examples.cli.Args;
import dev.vitj.examples.cli.Command;
import dev.vitj.examples.cli.UsageException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code vitj train-clip}: trains a CLIP model from scratch on image-caption pairs (the synthetic shapes, or a
 * caption folder), writing an OpenCLIP model directory, with its own BPE vocabulary, that {@code zero-shot},
 * {@code retrieve}, {@code embed-image} and {@code embed-text} open; plus checkpoints for {@code --resume}, the
 * history and the training curves. Options and conventions follow {@code vitj train-vit}.
 */
final class TrainClipCommand implements Command {
    @Override
    public String name() {
        return "train-clip";
    }

    @Override
    public String summary() {
        return "train a CLIP model (shapes or captioned images); writes an OpenCLIP model directory";
    }

    @Override
    public String usage() {
        return """
                usage: vitj train-clip --data DIR|shapes --out DIR [options]
                       vitj train-clip --out DIR --resume [--epochs N] [--patience P]
                  --data DIR|shapes     a caption folder: DIR/captions.csv with the header image,caption[,label]
                                        and one row per pair (image paths relative to DIR; a field with commas in
                                        double quotes); validation pairs from DIR/val/captions.csv when present, else
                                        a --val-fraction split; with a label column, zero-shot validation over the
                                        labels. Or "shapes": the synthetic shapes with captions such as "a large red
                                        circle in the top left", zero-shot validation over the five shapes
                  --out DIR             output: an OpenCLIP directory of the best epoch (open_clip_config.json,
                                        open_clip_model.safetensors, vocab.json, merges.txt), training_args.json,
                                        history.json, training_curves.png, checkpoints/
                  --epochs N            epochs (default 30)
                  --batch B             pairs per batch; each pair is contrasted with the others (default 64)
                  --lr X                peak learning rate of AdamW (default 2e-3)
                  --weight-decay X      AdamW weight decay, not on norms, biases, position embeddings and the
                                        temperature (default 0.1)
                  --warmup-epochs W     linear warmup epochs before the cosine decay (default 1)
                  --patience P          stop after P epochs without a better validation zero-shot accuracy (the
                                        validation loss without labels) (default 0: off)
                  --clip-grad X         gradient-norm clipping (default 1.0; 0: off)
                  --preset NAME         architecture: shapes-tiny (default: 32 px, patch 8, vision 2 blocks of
                                        width 64 with average pooling, text 1 block), shapes-small (64 px, patch
                                        8, vision 3 blocks with class-token pooling, text 2 blocks: the demo's
                                        embedded model), or an open_clip name such as ViT-B-32
                  --config FILE         architecture from an open_clip_config.json (instead of --preset)
                  --img-size N          input side in pixels (default: the preset's; shapes need >= 32);
                                        --image-size is the same
                  --vocab-size V        target size of the BPE vocabulary learned from the captions (default 1000,
                                        at least 514; it stops early when the captions have no more pairs to merge)
                  --template T          zero-shot validation prompt with {} for the class name (repeatable; default
                                        "a {}" for shapes, "a photo of a {}." for a caption folder)
                  --caption-dropout P   shapes: leave out each of size, colour and position with probability P
                                        (default 0.75; 0: full captions)
                  --train-size N        shapes: training images (default 4000)
                  --val-size N          shapes: validation images (default 1000)
                  --object-size S       shapes: only "large" or only "small" objects (default: both; at 32 px a
                                        small object is smaller than a patch and its shape is learned slowly)
                  --val-fraction F      caption folder without val/: held-out fraction (default 0.1)
                  --seed N              seeds data, initialisation, shuffling, caption dropout (default 0)
                  --resume              continue the run in --out from its last checkpoint, with its own settings
                                        (training_args.json) and tokenizer; only --epochs and --patience may change""";
    }

    @Override
    public Set<String> valuedOptions() {
        return Set.of("data", "out", "epochs", "batch", "lr", "weight-decay", "warmup-epochs", "patience", "clip-grad",
                "preset", "config", "img-size", "image-size", "vocab-size", "template", "caption-dropout", "train-size",
                "val-size", "object-size", "val-fraction", "seed");
    }

    @Override
    public Set<String> switches() {
        return Set.of("resume");
    }

    @Override
    public int run(Args args) throws Exception {
        return TrainingCommands.run(this, args, ClipTraining::resume, TrainClipCommand::settings,
                (t, out, resume) -> t.run(out, resume));
    }

    private static ClipTraining settings(Args args) throws Exception {
        String data = args.require("data");
        if (!data.equals(ClipTraining.SHAPES)) {
            Path dir = Paths.get(data);
            if (!Files.isDirectory(dir)) {
                throw new UsageException("--data: no such folder: " + data + " (or give \"shapes\")");
            }
            if (!Files.isRegularFile(dir.resolve(CaptionedImages.CAPTIONS_CSV))) {
                throw new UsageException("--data: " + dir + " has no " + CaptionedImages.CAPTIONS_CSV
                        + " (the header image,caption[,label] and one row per image-caption pair)");
            }
            for (String o : List.of("caption-dropout", "object-size", "train-size", "val-size")) {
                if (args.has(o)) {
                    throw new UsageException("--" + o + " applies to the shapes only");
                }
            }
        }
        if (args.has("preset") && args.has("config")) {
            throw new UsageException("give --preset or --config, not both");
        }
        if (args.has("img-size") && args.has("image-size")) {
            throw new UsageException("give --img-size or --image-size, not both (they are the same option)");
        }
        int vocab = args.getInt("vocab-size", 1000);
        OpenClipConfig model = null;
        if (args.has("config")) {
            OpenClipConfig c = OpenClipConfig.read(args.existingFile("config"));
            model = c.withPreprocess(ClipTraining.preprocess(c.vision().imageSize()));
        } else if (args.has("preset")) {
            model = ClipTraining.preset(args.get("preset"), vocab);
        }
        String sizeOption = args.has("img-size") ? "img-size" : args.has("image-size") ? "image-size" : null;
        if (sizeOption != null) {
            int img = args.getInt(sizeOption, 0);
            OpenClipConfig base = model == null ? ClipTraining.preset("shapes-tiny", vocab) : model;
            if (img <= 0 || img % base.vision().patchSize() != 0) {
                throw new UsageException("--" + sizeOption + ": " + img + " is not a positive multiple of the patch size "
                        + base.vision().patchSize());
            }
            model = ClipTraining.withImageSize(base, img);
        }
        ClipTraining t = TrainingCommands.commonSettings(args, new ClipTraining().data(data).model(model).vocabSize(vocab))
                .captionDropout(args.getDouble("caption-dropout", 0.75));
        if (args.has("object-size")) {
            String size = args.get("object-size").trim().toLowerCase(Locale.ROOT);
            if (!size.equals("large") && !size.equals("small")) {
                throw new UsageException("--object-size: expected large or small, got '" + args.get("object-size") + "'");
            }
            t.shapesObjectSize(ShapesDataset.Size.valueOf(size.toUpperCase(Locale.ROOT)));
        }
        if (!args.all("template").isEmpty()) {
            t.templates(args.all("template"));
        }
        return t;
    }
}
