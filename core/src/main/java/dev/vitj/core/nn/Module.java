package dev.vitj.core.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A building block of a network: owns named parameters and named child modules, so the full
 * parameter names ({@code blocks.0.attn.qkv.weight}) follow the reference checkpoints and loading is
 * a key map.
 *
 * <p>Two modes. In inference mode (the default) a forward pass keeps nothing. In training mode
 * ({@link #train(boolean)}) each layer caches what its backward pass needs, and {@code backward}
 * consumes the cache of the most recent forward pass, accumulating parameter gradients and
 * returning the gradient with respect to the input.
 */
public abstract class Module {
    /** True on a thread while {@link #withDeferredInit} builds a module there. */
    private static final ThreadLocal<Boolean> DEFER_INIT = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training;

    /** Registers a parameter under a local name (e.g. {@code weight}). */
    protected final Parameter parameter(String name, INDArray value, boolean decay) {
        checkName(name);
        Parameter p = new Parameter(value, decay);
        params.put(name, p);
        return p;
    }

    /**
     * Registers a float32 parameter of {@code shape} whose initial value {@code init} makes from the shape.
     * It is made at once, or on first use inside {@link #withDeferredInit}.
     */
    protected final Parameter parameter(String name, long[] shape, Function<long[], INDArray> init, boolean decay) {
        checkName(name);
        Parameter p = new Parameter(shape, init, decay);
        if (!DEFER_INIT.get()) {
            p.value();
        }
        params.put(name, p);
        return p;
    }

    /**
     * Builds a module whose parameters (those registered with an initialiser) have their shapes and types
     * but no storage yet: each is allocated and initialised on first use, unless {@link #loadStateDict} or
     * {@link Parameter#set} gives it a value first. Loaders use it to compare a weight file's header with the
     * model's shapes before allocating anything, and then fill the model without paying for a random
     * initialisation the file overwrites.
     *
     * <pre>{@code
     * VisionTransformer model = Module.withDeferredInit(() -> new VisionTransformer(config));
     * }</pre>
     */
    public static <M extends Module> M withDeferredInit(Supplier<M> build) {
        Boolean outer = DEFER_INIT.get();
        DEFER_INIT.set(Boolean.TRUE);
        try {
            return build.get();
        } finally {
            DEFER_INIT.set(outer);
        }
    }

    /** Registers a child module under a local name (e.g. {@code attn}, or {@code 0} in a list). */
    protected final <M extends Module> M child(String name, M module) {
        checkName(name);
        children.put(name, module);
        return module;
    }

    private void checkName(String name) {
        if (params.containsKey(name) || children.containsKey(name)) {
            throw new IllegalStateException("duplicate name '" + name + "' in " + getClass().getSimpleName());
        }
    }

    /** All parameters with their full dotted names, in registration order. */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out);
        return Collections.unmodifiableMap(out);
    }

    private void collect(String prefix, Map<String, Parameter> out) {
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            out.put(prefix + e.getKey(), e.getValue());
        }
        for (Map.Entry<String, Module> e : children.entrySet()) {
            e.getValue().collect(prefix + e.getKey() + ".", out);
        }
    }

    /** Direct children by local name. */
    public final Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** Switches this module and its children between training and inference mode. */
    public Module train(boolean on) {
        training = on;
        for (Module m : children.values()) {
            m.train(on);
        }
        if (!on) {
            clearCache();
        }
        return this;
    }

    /** True in training mode. */
    public final boolean isTraining() {
        return training;
    }

    /** Releases activations cached for backward (called when leaving training mode). */
    protected void clearCache() {}

    /** Drops all parameter gradients. */
    public final void zeroGrad() {
        for (Parameter p : namedParameters().values()) {
            p.zeroGrad();
        }
    }

    /** Number of scalar parameters. */
    public final long parameterCount() {
        long n = 0;
        for (Parameter p : namedParameters().values()) {
            n += p.length();
        }
        return n;
    }

    /** Converts every parameter to {@code type} (e.g. DOUBLE for gradient checks); deferred ones stay unallocated. */
    public Module to(DataType type) {
        for (Parameter p : namedParameters().values()) {
            p.convertTo(type);
        }
        return this;
    }

    /** A copy of the current weights by full name, as a checkpoint would store them. */
    public final Map<String, INDArray> stateDict() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : namedParameters().entrySet()) {
            out.put(e.getKey(), e.getValue().value());
        }
        return out;
    }

    /**
     * Loads weights by full name. Missing keys, unexpected keys and shape mismatches are all
     * collected and reported together in one {@link IllegalArgumentException}, each key named.
     *
     * @param strict if false, unexpected keys are ignored (missing ones are still an error)
     */
    public final void loadStateDict(Map<String, INDArray> state, boolean strict) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        state.forEach((k, v) -> shapes.put(k, v.shape()));
        List<String> problems = stateDictProblems(shapes, strict);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": cannot load weights: "
                    + problems.size() + " problem(s):\n  " + String.join("\n  ", problems));
        }
        for (Map.Entry<String, Parameter> e : namedParameters().entrySet()) {
            e.getValue().set(state.get(e.getKey()));
        }
    }

    /**
     * What {@link #loadStateDict} would refuse in a state dict with these tensor shapes (by full name), one
     * line per missing key, shape mismatch and (if {@code strict}) unexpected key; empty when it fits. Needs
     * only shapes, so a weight file's header can be checked before any tensor is read.
     */
    public final List<String> stateDictProblems(Map<String, long[]> shapes, boolean strict) {
        Map<String, Parameter> mine = namedParameters();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : mine.entrySet()) {
            long[] found = shapes.get(e.getKey());
            long[] want = e.getValue().shape();
            if (found == null) {
                problems.add("missing key '" + e.getKey() + "' (expected shape " + Arrays.toString(want) + ")");
            } else if (!Arrays.equals(found, want)) {
                problems.add("shape mismatch for '" + e.getKey() + "': checkpoint " + Arrays.toString(found)
                        + ", model " + Arrays.toString(want));
            }
        }
        if (strict) {
            for (Map.Entry<String, long[]> e : shapes.entrySet()) {
                if (!mine.containsKey(e.getKey())) {
                    problems.add("unexpected key '" + e.getKey() + "' " + Arrays.toString(e.getValue()));
                }
            }
        }
        return problems;
    }
}
