package dev.vitj.examples;

import dev.vitj.examples.cli.Args;
import dev.vitj.examples.cli.Command;
import dev.vitj.examples.cli.UsageException;
import dev.vitj.vit.TimmHubConfig;
import dev.vitj.vit.VitConfig;
import dev.vitj.vit.train.VitTraining;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Set;

/**
 * {@code vitj train-vit}: trains a ViT classifier from scratch (or fine-tunes one) on the synthetic shapes or
 * an image folder, writing a timm-style model directory that {@code classify}, {@code attention} and
 * {@code rollout} open, with checkpoints for {@code --resume}, the history, the training curves and the
 * embedding pictures.
 */
final class TrainVitCommand implements Command {
    @Override
    public String name() {
        return "train-vit";
    }

    @Override
    public String summary() {
        return "train a ViT classifier (shapes or an image folder); writes a timm model directory";
    }

    @Override
    public String usage() {
        return """
                usage: vitj train-vit --data DIR|shapes --out DIR [options]
                       vitj train-vit --out DIR --resume [--epochs N] [--patience P]
                  --data DIR|shapes     an image folder with one sub-folder per class (DIR/train and DIR/val when
                                        both exist, else a --val-fraction split), or "shapes": the synthetic shapes
                                        dataset labelled by shape
                  --out DIR             output: config.json + model.safetensors (best epoch, timm layout),
                                        training_args.json, history.json, training_curves.png, checkpoints/,
                                        patch_embed_pca.png, pos_embed_similarity.png
                  --epochs N            epochs (default 30)
                  --batch B             batch size (default 64)
                  --lr X                peak learning rate of AdamW (default 1e-3)
                  --weight-decay X      AdamW weight decay, not on norms, biases, embeddings (default 0.05)
                  --warmup-epochs W     linear warmup epochs before the cosine decay (default 2)
                  --label-smoothing S   label smoothing of the cross-entropy (default 0.1)
                  --patience P          stop after P epochs without a better validation accuracy (default 0: off)
                  --clip-grad X         gradient-norm clipping (default 1.0; 0: off)
                  --preset NAME         architecture: shapes-tiny (default: 32 px, patch 8, 2 blocks of width 64,
                                        average pooling), shapes-small (64 px, patch 8, 3 blocks, class-token
                                        pooling: the demo's embedded classifier), a paper size Ti/16, S/16, B/16,
                                        L/16, H/14 (also /8 /14 /32), or a timm name such as vit_small_patch16_224
                  --config FILE         architecture from a timm config.json (instead of --preset)
                  --img-size N          input side in pixels (default: the preset's; shapes need >= 32)
                  --drop-rate X         head dropout; --attn-drop-rate X, --proj-drop-rate X: dropout on the
                                        attention probabilities / after projections; --drop-path-rate X:
                                        stochastic depth of the last block (timm names; default 0)
                  --init DIR            fine-tune this pretrained model directory (a new head for the classes)
                  --freeze-blocks K     with --init: freeze the embeddings and the first K blocks
                  --train-size N        shapes: training images (default 4000)
                  --val-size N          shapes: validation images (default 1000)
                  --val-fraction F      image folder without train/ and val/: held-out fraction (default 0.1)
                  --seed N              seeds data, initialisation, shuffling, augmentation, dropout (default 0)
                  --no-augment          no training augmentation
                  --resume              continue the run in --out from its last checkpoint, with its own settings
                                        (training_args.json); only --epochs and --patience may change""";
    }

    @Override
    public Set<String> valuedOptions() {
        return Set.of("data", "out", "epochs", "batch", "lr", "weight-decay", "warmup-epochs", "label-smoothing",
                "patience", "clip-grad", "preset", "config", "img-size", "drop-rate", "attn-drop-rate", "proj-drop-rate",
                "drop-path-rate", "init", "freeze-blocks", "train-size", "val-size", "val-fraction", "seed");
    }

    @Override
    public Set<String> switches() {
        return Set.of("resume", "no-augment");
    }

    @Override
    public int run(Args args) throws Exception {
        return TrainingCommands.run(this, args, VitTraining::resume, TrainVitCommand::settings,
                (t, out, resume) -> t.run(out, resume));
    }

    private static VitTraining settings(Args args) throws Exception {
        String data = args.require("data");
        if (!data.equals(VitTraining.SHAPES) && !Files.isDirectory(Paths.get(data))) {
            throw new UsageException("--data: no such folder: " + data + " (or give \"shapes\")");
        }
        if (args.has("preset") && args.has("config")) {
            throw new UsageException("give --preset or --config, not both");
        }
        if (args.has("init") && (args.has("preset") || args.has("config") || args.has("img-size"))) {
            throw new UsageException("--init takes the architecture from the pretrained model; drop --preset, --config "
                    + "and --img-size");
        }
        if (args.has("freeze-blocks") && !args.has("init")) {
            throw new UsageException("--freeze-blocks needs --init (freezing layers of a model trained from scratch "
                    + "would keep them random)");
        }
        VitConfig model = null;
        if (args.has("config")) {
            model = TimmHubConfig.read(args.existingFile("config")).model();
        } else if (args.has("preset")) {
            model = preset(args.get("preset"));
        }
        if (args.has("img-size")) {
            int img = args.getInt("img-size", 0);
            model = (model == null ? VitTraining.shapesModel(1) : model).withImgSize(img);
        }
        if (args.has("drop-rate") || args.has("attn-drop-rate") || args.has("proj-drop-rate") || args.has("drop-path-rate")) {
            model = (model == null ? VitTraining.shapesModel(1) : model).withDropRate(args.getDouble("drop-rate", 0))
                    .withAttnDropRate(args.getDouble("attn-drop-rate", 0))
                    .withProjDropRate(args.getDouble("proj-drop-rate", 0))
                    .withDropPathRate(args.getDouble("drop-path-rate", 0));
        }
        VitTraining t = TrainingCommands.commonSettings(args, new VitTraining().data(data).model(model))
                .labelSmoothing(args.getDouble("label-smoothing", 0.1)).augment(!args.flag("no-augment"));
        if (args.has("init")) {
            t.init(args.existingDir("init")).freezeBlocks(args.getInt("freeze-blocks", 0));
        }
        return t;
    }

    /** {@code shapes-tiny}, {@code shapes-small}, a paper size such as {@code B/16}, or a timm architecture name. */
    static VitConfig preset(String name) {
        if (name.equals("shapes-tiny")) {
            return VitTraining.shapesModel(1);
        }
        if (name.equals("shapes-small")) {
            return VitTraining.shapesSmallModel(1);
        }
        if (name.contains("/")) {
            return VitConfig.preset(name);
        }
        if (name.startsWith("vit_")) {
            return TimmHubConfig.architectureConfig(name);
        }
        throw new UsageException("--preset: unknown architecture '" + name + "' (shapes-tiny, shapes-small, Ti/16, S/16, B/16, ..., "
                + "or a timm name such as vit_small_patch16_224)");
    }
}
