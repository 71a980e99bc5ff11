package dev.vitj.examples;

import dev.vitj.core.train.Checkpoint;
import dev.vitj.core.train.Trainer;
import dev.vitj.core.train.TrainingRecipe;
import dev.vitj.examples.cli.Args;
import dev.vitj.examples.cli.Command;
import dev.vitj.examples.cli.UsageException;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Set;

/**
 * What {@code vitj train-vit} and {@code vitj train-clip} share: a fresh run set up from the options, or
 * {@code --resume} of the run in {@code --out} with its own settings (only {@code --epochs} and {@code --patience}
 * may change); the options every {@link TrainingRecipe} has; and the run itself, reported on standard output.
 */
final class TrainingCommands {
    /** The options {@code --resume} accepts. */
    private static final Set<String> RESUMABLE = Set.of("out", "epochs", "patience");

    private TrainingCommands() {}

    /** A recipe's {@code resume(out)}: the settings of the run in {@code out}. */
    interface Resume<R> {
        R read(Path out) throws IOException;
    }

    /** A command's settings of a fresh run, from its options. */
    interface Fresh<R> {
        R read(Args args) throws Exception;
    }

    /** A recipe's {@code run(out, resume)}. */
    interface Train<R> {
        void run(R recipe, Path out, boolean resume) throws IOException;
    }

    /**
     * Runs a training command: reads the settings (fresh, or resumed from {@code --out}), then trains with the
     * log on standard output (a live progress bar on a terminal).
     *
     * @throws UsageException for bad options, a missing or already started run, or a diverged training
     */
    static <R extends TrainingRecipe<R>> int run(Command command, Args args, Resume<R> resume, Fresh<R> fresh,
                                                 Train<R> train) throws Exception {
        if (!args.positional().isEmpty()) {
            throw new UsageException("unexpected argument '" + args.positional().get(0) + "' (see vitj "
                    + command.name() + " --help)");
        }
        Path out = Paths.get(args.require("out"));
        boolean resuming = args.flag("resume");
        R t;
        try {
            t = resuming ? readResumed(command, args, out, resume) : readFresh(args, out, fresh);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage(), e);
        }
        boolean terminal = System.console() != null;
        t.log(System.out, terminal);
        try {
            train.run(t, out, resuming);
        } catch (IllegalStateException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("training diverged")) {
                throw new UsageException(e.getMessage(), e);
            }
            throw e;
        }
        return 0;
    }

    private static <R extends TrainingRecipe<R>> R readResumed(Command command, Args args, Path out, Resume<R> resume)
            throws IOException {
        for (String o : command.valuedOptions()) {
            if (args.has(o) && !RESUMABLE.contains(o)) {
                throw new UsageException("--resume continues with the run's own settings (" + out.resolve(
                        TrainingRecipe.ARGS) + "); --" + o + " cannot change; only --epochs and --patience may");
            }
        }
        for (String s : command.switches()) {
            if (!s.equals("resume") && args.flag(s)) {
                throw new UsageException("--resume continues with the run's own settings; --" + s + " cannot change");
            }
        }
        if (!Checkpoint.exists(out.resolve(Trainer.LAST))) {
            throw new UsageException(out + ": no training run to resume (no " + Trainer.LAST + ")");
        }
        R t = resume.read(out);
        return t.epochs(args.getInt("epochs", t.epochs())).patience(args.getInt("patience", t.patience()));
    }

    private static <R> R readFresh(Args args, Path out, Fresh<R> fresh) throws Exception {
        if (Checkpoint.exists(out.resolve(Trainer.LAST))) {
            throw new UsageException(out + " already holds a training run: add --resume to continue it, or "
                    + "choose another --out");
        }
        return fresh.read(args);
    }

    /**
     * Applies the options every recipe has to {@code t}; an option not given keeps the recipe's default:
     * {@code --epochs --batch --lr --weight-decay --warmup-epochs --patience --clip-grad --train-size --val-size
     * --val-fraction --seed}.
     */
    static <R extends TrainingRecipe<R>> R commonSettings(Args args, R t) {
        return t.epochs(args.getInt("epochs", t.epochs())).batchSize(args.getInt("batch", t.batchSize()))
                .lr(args.getDouble("lr", t.lr())).weightDecay(args.getDouble("weight-decay", t.weightDecay()))
                .warmupEpochs(args.getInt("warmup-epochs", t.warmupEpochs())).patience(args.getInt("patience", t.patience()))
                .clipGradNorm(args.getDouble("clip-grad", t.clipGradNorm()))
                .shapesSizes(args.getInt("train-size", t.shapesTrainSize()), args.getInt("val-size", t.shapesValSize()))
                .valFraction(args.getDouble("val-fraction", t.valFraction())).seed(args.getInt("seed", 0));
    }
}
