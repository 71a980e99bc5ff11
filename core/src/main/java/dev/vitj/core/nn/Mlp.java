package dev.vitj.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The transformer's position-wise feed-forward network: {@code fc2(act(fc1(x)))},
 * {@code [..., dim] -> [..., hidden] -> [..., dim]}. In training mode, as timm's {@code Mlp}, dropout
 * {@code drop1} follows the activation and {@code drop2} follows {@code fc2} (both with the same rate).
 */
public final class Mlp extends Module implements Layer {
    private final Linear fc1;
    private final Activation act;
    private final Dropout drop1;
    private final Linear fc2;
    private final Dropout drop2;

    /**
     * @param dim    input and output width
     * @param hidden hidden width (timm: {@code int(dim * mlp_ratio)})
     * @param act    the activation function; this Mlp uses its own instance of it ({@link Activation#fresh()}),
     *               because activations cache their input in training mode
     */
    public Mlp(int dim, int hidden, Activation act) {
        this(dim, hidden, act, 0, new RandomSource(0));
    }

    /**
     * An MLP with dropout after the activation and after {@code fc2} (training mode only).
     *
     * @param drop   drop probability of both dropouts, in [0, 1)
     * @param random the source of the dropout masks
     */
    public Mlp(int dim, int hidden, Activation act, double drop, RandomSource random) {
        if (act == null) {
            throw new IllegalArgumentException("Mlp: activation is null");
        }
        Activation own = act.fresh();
        if (!(own instanceof Module module)) {
            throw new IllegalArgumentException("Mlp: activation " + act.getClass().getName() + " must be a Module");
        }
        this.fc1 = child("fc1", new Linear(dim, hidden, true));
        child("act", module);
        this.act = own;
        this.drop1 = child("drop1", new Dropout(drop, random));
        this.fc2 = child("fc2", new Linear(hidden, dim, true));
        this.drop2 = child("drop2", new Dropout(drop, random));
    }

    /** First linear layer {@code dim -> hidden}. */
    public Linear fc1() {
        return fc1;
    }

    /** The activation (this Mlp's own instance). */
    public Activation act() {
        return act;
    }

    /** Second linear layer {@code hidden -> dim}. */
    public Linear fc2() {
        return fc2;
    }

    @Override
    public INDArray forward(INDArray x) {
        return forward(x, null);
    }

    /**
     * The forward pass, handing {@code act} (activation output) and {@code out} to {@code trace} when not null.
     * At inference without a trace the two hidden-width intermediates are freed as soon as they are dead.
     */
    public INDArray forward(INDArray x, Trace trace) {
        boolean free = !isTraining() && trace == null; // training keeps them for backward, a trace hands them out
        INDArray pre = fc1.forward(x); // [..., hidden]
        INDArray h = act.forward(pre); // [..., hidden]
        if (free) {
            Checks.releaseUnlessShared(pre, h); // an activation may work in place
        }
        INDArray out = drop2.forward(fc2.forward(drop1.forward(h))); // [..., dim]
        if (free) {
            Checks.releaseUnlessShared(h, out);
        }
        if (trace != null) {
            trace.record("act", h);
            trace.record("out", out);
        }
        return out;
    }

    @Override
    public INDArray backward(INDArray gradOut) {
        return fc1.backward(act.backward(drop1.backward(fc2.backward(drop2.backward(gradOut)))));
    }
}
