package dev.vitj.clip;

import dev.vitj.core.nn.Module;
import dev.vitj.core.nn.Parameter;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The key map from an open_clip state dict onto vitj's module names, one readable rule per tensor:
 *
 * <pre>
 *   open_clip                                       vitj ({@link ClipModel})
 *   visual.conv1.weight           [D,3,p,p]         visual.patch_embed.proj.weight
 *   visual.class_embedding        [D]               visual.cls_token                [1,1,D]  (reshaped)
 *   visual.positional_embedding   [N,D]             visual.pos_embed                [1,N,D]  (reshaped)
 *   visual.ln_pre.*                                 visual.norm_pre.*
 *   visual.transformer.resblocks.{i}.*              visual.blocks.{i}.*              (block rules below)
 *   visual.ln_post.*                                visual.norm.*  (visual.fc_norm.* when final_ln_after_pool)
 *   visual.proj                   [D,E]             visual.head.weight              [E,D]    (transposed: x @ proj)
 *   token_embedding.weight        [V,W]             text.token_embedding.weight
 *   positional_embedding          [ctx,W]           text.positional_embedding
 *   transformer.resblocks.{i}.*                     text.blocks.{i}.*
 *   ln_final.*                                      text.ln_final.*
 *   text_projection               [W,E]             text.text_projection            (or .weight/.bias with proj_bias)
 *   logit_scale                   []                logit_scale                     [1]
 *
 *   block: ln_1 -> norm1, attn.in_proj_weight/bias -> attn.qkv.weight/bias, attn.out_proj -> attn.proj,
 *          ln_2 -> norm2, mlp.c_fc -> mlp.fc1, mlp.c_proj -> mlp.fc2, ls_1.gamma -> ls1.gamma, ls_2.gamma -> ls2.gamma
 * </pre>
 *
 * open_clip's {@code in_proj_weight} stacks W_q, W_k, W_v by rows with heads as contiguous slices, which is
 * exactly the column layout of {@link dev.vitj.core.nn.MultiHeadAttention}'s {@code qkv}, so blocks load
 * unchanged. Checkpoints of open_clip's {@code CustomTextCLIP} ({@code custom_text: true}) keep the text
 * tower under a {@code text.} prefix ({@code text.token_embedding.weight}, {@code text.transformer...});
 * both layouts are understood. The causal {@code attn_mask} buffer, which old checkpoints may carry, is
 * rebuilt from the context length and dropped here.
 */
final class OpenClipKeys {
    /** How a tensor changes on its way from open_clip's layout to vitj's. */
    private enum Change {
        NONE,
        /** {@code [D] -> [1, 1, D]}, {@code [N, D] -> [1, N, D]}: a leading batch dimension of 1 (or two). */
        LEAD_ONES,
        /** {@code [in, out] -> [out, in]}: a matrix applied as {@code x @ P} becomes a Linear weight. */
        TRANSPOSE,
        /** a 0-dim scalar {@code []} (or {@code [1]}) becomes {@code [1]}. */
        SCALAR
    }

    /** One rule; {@code {i}} in both names stands for a block index. */
    private record Rule(Pattern openClip, String openClipName, Pattern vitj, String vitjName, Change change) {
        static Rule of(String openClipName, String vitjName, Change change) {
            return new Rule(pattern(openClipName), openClipName, pattern(vitjName), vitjName, change);
        }

        private static Pattern pattern(String name) {
            return Pattern.compile(Pattern.quote(name).replace("{i}", "\\E(\\d+)\\Q"));
        }
    }

    /** Names inside one residual block, shared by both towers. */
    private static final String[][] BLOCK = {
            {"ln_1.weight", "norm1.weight"},
            {"ln_1.bias", "norm1.bias"},
            {"attn.in_proj_weight", "attn.qkv.weight"},
            {"attn.in_proj_bias", "attn.qkv.bias"},
            {"attn.out_proj.weight", "attn.proj.weight"},
            {"attn.out_proj.bias", "attn.proj.bias"},
            {"ls_1.gamma", "ls1.gamma"},
            {"ln_2.weight", "norm2.weight"},
            {"ln_2.bias", "norm2.bias"},
            {"mlp.c_fc.weight", "mlp.fc1.weight"},
            {"mlp.c_fc.bias", "mlp.fc1.bias"},
            {"mlp.c_proj.weight", "mlp.fc2.weight"},
            {"mlp.c_proj.bias", "mlp.fc2.bias"},
            {"ls_2.gamma", "ls2.gamma"},
    };

    /** Buffers that some checkpoints carry and that vitj rebuilds instead of loading. */
    private static final List<String> DROPPED = List.of("attn_mask", "text.attn_mask");

    private final List<Rule> rules = new ArrayList<>();
    private final String textPrefix;

    /**
     * @param config     the model configuration (decides {@code ln_post}'s target and the text projection's form)
     * @param customText whether the text tower's keys carry the {@code text.} prefix
     */
    OpenClipKeys(OpenClipConfig config, boolean customText) {
        this.textPrefix = customText ? "text." : "";
        rules.add(Rule.of("visual.conv1.weight", "visual.patch_embed.proj.weight", Change.NONE));
        rules.add(Rule.of("visual.class_embedding", "visual.cls_token", Change.LEAD_ONES));
        rules.add(Rule.of("visual.positional_embedding", "visual.pos_embed", Change.LEAD_ONES));
        rules.add(Rule.of("visual.ln_pre.weight", "visual.norm_pre.weight", Change.NONE));
        rules.add(Rule.of("visual.ln_pre.bias", "visual.norm_pre.bias", Change.NONE));
        addBlocks("visual.transformer.resblocks.{i}.", "visual.blocks.{i}.");
        String lnPost = config.vision().finalLnAfterPool() ? "visual.fc_norm." : "visual.norm.";
        rules.add(Rule.of("visual.ln_post.weight", lnPost + "weight", Change.NONE));
        rules.add(Rule.of("visual.ln_post.bias", lnPost + "bias", Change.NONE));
        rules.add(Rule.of("visual.proj", "visual.head.weight", Change.TRANSPOSE));

        String t = textPrefix;
        rules.add(Rule.of(t + "token_embedding.weight", "text.token_embedding.weight", Change.NONE));
        rules.add(Rule.of(t + "positional_embedding", "text.positional_embedding", Change.NONE));
        addBlocks(t + "transformer.resblocks.{i}.", "text.blocks.{i}.");
        rules.add(Rule.of(t + "ln_final.weight", "text.ln_final.weight", Change.NONE));
        rules.add(Rule.of(t + "ln_final.bias", "text.ln_final.bias", Change.NONE));
        if (config.text().projBias()) {
            rules.add(Rule.of(t + "text_projection.weight", "text.text_projection.weight", Change.NONE));
            rules.add(Rule.of(t + "text_projection.bias", "text.text_projection.bias", Change.NONE));
        } else {
            rules.add(Rule.of(t + "text_projection", "text.text_projection", Change.NONE));
        }
        rules.add(Rule.of("logit_scale", "logit_scale", Change.SCALAR));
    }

    private void addBlocks(String openClipPrefix, String vitjPrefix) {
        for (String[] b : BLOCK) {
            rules.add(Rule.of(openClipPrefix + b[0], vitjPrefix + b[1], Change.NONE));
        }
    }

    /** True when the state dict keeps the text tower under {@code text.} (open_clip's CustomTextCLIP). */
    static boolean isCustomText(Iterable<String> keys) {
        for (String k : keys) {
            if (k.startsWith("text.") && !k.equals("text.attn_mask")) {
                return true;
            }
        }
        return false;
    }

    /** True for buffers that are rebuilt rather than loaded (the causal mask). */
    static boolean isDropped(String openClipKey) {
        return DROPPED.contains(openClipKey);
    }

    /** The vitj name of an open_clip key, or null when no rule knows it. */
    String toVitj(String openClipKey) {
        for (Rule r : rules) {
            Matcher m = r.openClip().matcher(openClipKey);
            if (m.matches()) {
                return m.groupCount() == 0 ? r.vitjName() : r.vitjName().replace("{i}", m.group(1));
            }
        }
        return null;
    }

    /** The open_clip key a vitj parameter is loaded from (for error messages); the vitj name if none. */
    String toOpenClip(String vitjName) {
        for (Rule r : rules) {
            Matcher m = r.vitj().matcher(vitjName);
            if (m.matches()) {
                return m.groupCount() == 0 ? r.openClipName() : r.openClipName().replace("{i}", m.group(1));
            }
        }
        return vitjName;
    }

    private Change changeOf(String vitjName) {
        for (Rule r : rules) {
            if (r.vitj().matcher(vitjName).matches()) {
                return r.change();
            }
        }
        return Change.NONE;
    }

    /** The open_clip shape of a tensor that vitj holds with {@code vitjShape}. */
    private long[] openClipShape(String vitjName, long[] vitjShape) {
        return switch (changeOf(vitjName)) {
            case NONE -> vitjShape;
            case LEAD_ONES -> {
                int lead = 0;
                while (lead < vitjShape.length - 1 && vitjShape[lead] == 1) {
                    lead++;
                }
                yield Arrays.copyOfRange(vitjShape, lead, vitjShape.length);
            }
            case TRANSPOSE -> new long[] {vitjShape[1], vitjShape[0]};
            case SCALAR -> new long[0];
        };
    }

    /** True when a tensor of open_clip shape {@code found} converts to vitj's {@code target} shape. */
    private boolean fits(String vitjName, long[] found, long[] target) {
        return switch (changeOf(vitjName)) {
            case NONE -> Arrays.equals(found, target);
            case LEAD_ONES -> Arrays.equals(found, openClipShape(vitjName, target));
            case SCALAR -> found.length == 0 || (found.length == 1 && found[0] == 1); // [] or [1]
            case TRANSPOSE -> found.length == 2 && found[0] == target[1] && found[1] == target[0];
        };
    }

    /** The tensor in vitj's layout {@code target}; it must {@link #fits fit}. */
    private INDArray convert(String vitjName, INDArray v, long[] target) {
        return switch (changeOf(vitjName)) {
            case NONE -> v;
            case LEAD_ONES, SCALAR -> v.reshape('c', target);
            case TRANSPOSE -> v.transpose().dup('c'); // [in, out] -> [out, in]
        };
    }

    /**
     * The inverse of {@link #load}: a vitj state dict ({@link ClipModel} names, e.g. {@link Module#stateDict()})
     * as open_clip writes it, each tensor under its open_clip key in open_clip's layout ({@code visual.proj}
     * transposed back to {@code [D, E]}, {@code class_embedding} without its leading ones, {@code logit_scale}
     * a 0-dim scalar). Keys follow the standard layout (no {@code text.} prefix, whatever this map was built
     * with) in the order given.
     *
     * @throws IllegalArgumentException naming every vitj key that has no open_clip counterpart
     */
    Map<String, INDArray> toOpenClipStateDict(Map<String, INDArray> vitj) {
        if (!textPrefix.isEmpty()) {
            throw new IllegalStateException("toOpenClipStateDict writes the standard layout; build the key map with "
                    + "customText = false");
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, INDArray> e : vitj.entrySet()) {
            String name = e.getKey();
            Rule rule = ruleOfVitj(name);
            if (rule == null) {
                unknown.add(name);
                continue;
            }
            Matcher m = rule.vitj().matcher(name);
            m.matches();
            String key = m.groupCount() == 0 ? rule.openClipName() : rule.openClipName().replace("{i}", m.group(1));
            INDArray v = e.getValue();
            INDArray converted = switch (rule.change()) {
                case NONE -> v;
                case LEAD_ONES -> v.reshape('c', openClipShape(name, v.shape()));
                case TRANSPOSE -> v.transpose().dup('c'); // [out, in] -> [in, out]: x @ proj
                case SCALAR -> Nd4j.scalar(v.dataType(), v.getDouble(0)); // [1] -> []
            };
            out.put(key, converted);
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("no open_clip name for " + unknown.size() + " parameter(s): " + unknown);
        }
        return out;
    }

    private Rule ruleOfVitj(String vitjName) {
        for (Rule r : rules) {
            if (r.vitj().matcher(vitjName).matches()) {
                return r;
            }
        }
        return null;
    }

    /**
     * Loads an open_clip state dict into {@code target}, strictly: every parameter must be present with
     * the right shape and every key must be used. All problems are collected and reported together,
     * each by its open_clip key and with shapes in open_clip's layout ({@link #problems}).
     *
     * @param target     the module to load ({@link ClipModel}, or a vision tower alone)
     * @param prefix     what to put before {@code target}'s parameter names to get the {@link ClipModel}
     *                   name ({@code ""} for a ClipModel, {@code "visual."} for the vision tower)
     * @param openClip   the state dict by open_clip key; for a partial target, only the keys meant for it
     * @param source     names the weights file in the error message
     */
    void load(Module target, String prefix, Map<String, INDArray> openClip, String source) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        openClip.forEach((k, v) -> shapes.put(k, v.shape()));
        List<String> problems = problems(target, prefix, shapes);
        if (!problems.isEmpty()) {
            throw misfit(source, problems);
        }
        Map<String, Parameter> params = target.namedParameters();
        Map<String, INDArray> ready = new LinkedHashMap<>(); // by vitj name, without the prefix
        for (Map.Entry<String, INDArray> e : openClip.entrySet()) {
            if (!isDropped(e.getKey())) {
                String name = toVitj(e.getKey()).substring(prefix.length());
                ready.put(name, convert(prefix + name, e.getValue(), params.get(name).shape()));
            }
        }
        target.loadStateDict(ready, true);
    }

    /**
     * Every way a state dict with these tensor shapes (by open_clip key) fails to fit {@code target}, one line
     * per missing key, unexpected key and shape mismatch, named by open_clip key with shapes in open_clip's
     * layout; empty when it fits. Needs only shapes, so a file's header can be checked before anything is read.
     * {@code prefix} as in {@link #load}.
     */
    List<String> problems(Module target, String prefix, Map<String, long[]> openClip) {
        Map<String, String> origin = new LinkedHashMap<>(); // vitj name (without the prefix) -> open_clip key
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, long[]> e : openClip.entrySet()) {
            String key = e.getKey();
            if (isDropped(key)) {
                continue;
            }
            String name = toVitj(key);
            if (name == null || !name.startsWith(prefix)) {
                problems.add("unexpected key '" + key + "' " + Arrays.toString(e.getValue()));
                continue;
            }
            origin.put(name.substring(prefix.length()), key);
        }
        Map<String, Parameter> params = target.namedParameters();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            String name = e.getKey();
            long[] want = e.getValue().shape(); // known without allocating the parameter
            long[] wantOpenClip = openClipShape(prefix + name, want);
            String key = origin.get(name);
            if (key == null) {
                problems.add("missing key '" + toOpenClip(prefix + name) + "' (expected shape "
                        + Arrays.toString(wantOpenClip) + ")");
            } else if (!fits(prefix + name, openClip.get(key), want)) {
                problems.add("shape mismatch for '" + key + "': checkpoint " + Arrays.toString(openClip.get(key))
                        + ", model " + Arrays.toString(wantOpenClip));
            }
        }
        for (Map.Entry<String, String> e : origin.entrySet()) {
            if (!params.containsKey(e.getKey())) {
                problems.add("unexpected key '" + e.getValue() + "' " + Arrays.toString(openClip.get(e.getValue()))
                        + " (the configuration has no such parameter)");
            }
        }
        return problems;
    }

    /** The error for weights that do not fit: the source and every problem, one per line. */
    static IllegalArgumentException misfit(String source, List<String> problems) {
        return new IllegalArgumentException(source + " does not fit the OpenCLIP configuration: " + problems.size()
                + " problem(s):\n  " + String.join("\n  ", problems));
    }
}
