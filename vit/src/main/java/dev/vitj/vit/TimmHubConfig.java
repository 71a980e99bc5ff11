package dev.vitj.vit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vitj.core.image.Interpolation;
import dev.vitj.core.image.PreprocessConfig;
import dev.vitj.core.image.ResizeMode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code config.json} of a timm model on the Hugging Face hub, resolved the way
 * {@code timm.create_model("hf-hub:...")} resolves it:
 *
 * <ol>
 * <li>the architecture name ({@code vit_base_patch16_224}) gives the defaults: size, patch, and the
 *     CLIP flavour for {@code *_clip_*} names;</li>
 * <li>{@code pretrained_cfg} fills in what the model builder takes from it: input size
 *     ({@code input_size} = [C, H, W], when {@code fixed_input_size}), {@code num_classes}
 *     (the top-level {@code num_classes} replaces the pretrained cfg's);</li>
 * <li>{@code model_args} override everything (so {@code model_args.img_size} wins over
 *     {@code pretrained_cfg.input_size}).</li>
 * </ol>
 *
 * <p>Arguments that change the architecture in ways this implementation does not support (register
 * tokens, qk-norm, attention pooling, ...) are errors naming the argument, never silently ignored.
 *
 * @param architecture the architecture name without its tag, e.g. {@code vit_base_patch16_224}
 * @param tag          the pretrained tag ({@code augreg2_in21k_ft_in1k}), or "" when none
 * @param model        the resolved model configuration
 * @param preprocess   the image preprocessing the weights expect (timm's eval transform), or null when the
 *                     model does not take RGB input ({@code in_chans != 3})
 * @param labelNames   the class of each head output, in order ({@code label_names}), or null when the config
 *                     names none
 */
public record TimmHubConfig(String architecture, String tag, VitConfig model, PreprocessConfig preprocess,
                           List<String> labelNames) {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** timm's {@code DEFAULT_CROP_PCT}, for pretrained cfgs without {@code crop_pct}. */
    public static final double DEFAULT_CROP_PCT = 0.875;

    /** Architecture names this parser understands: {@code vit_SIZE_patchP[_clip][_quickgelu][_IMG]}. */
    private static final Pattern ARCH = Pattern.compile("vit_([a-z]+)_patch(\\d+)((?:_[a-z0-9]+)*)");

    /**
     * model_args keys that only matter for training and are not implemented (token dropout, init schemes):
     * accepted and ignored. The dropout and drop-path rates are read into the {@link VitConfig}.
     */
    private static final Set<String> TRAINING_ONLY = Set.of("patch_drop_rate", "weight_init", "fix_init");

    /** Reads and resolves {@code dir/config.json}. */
    public static TimmHubConfig read(Path configJson) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(configJson));
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(configJson + ": no such file (a timm hub directory has config.json)");
        } catch (JsonProcessingException e) {
            throw new IOException(configJson + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        try {
            return parse(root);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(configJson + ": " + e.getMessage(), e);
        }
    }

    /** Resolves an already parsed {@code config.json} tree. */
    public static TimmHubConfig parse(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("expected a JSON object");
        }
        JsonNode pretrained = root.get("pretrained_cfg");
        if (pretrained == null) {
            // Old hub layout: the pretrained cfg is the top level itself.
            pretrained = root;
        } else if (!pretrained.isObject()) {
            throw new IllegalArgumentException("pretrained_cfg must be an object");
        }
        String archField = text(root, "architecture");
        if (archField == null) {
            archField = text(pretrained, "architecture");
        }
        if (archField == null) {
            throw new IllegalArgumentException("no \"architecture\" field (e.g. \"vit_base_patch16_224\")");
        }
        String architecture = archField;
        String tag = "";
        int dot = archField.indexOf('.');
        if (dot >= 0) {
            architecture = archField.substring(0, dot);
            tag = archField.substring(dot + 1);
        }
        if (tag.isEmpty() && text(pretrained, "tag") != null) {
            tag = text(pretrained, "tag");
        }
        // Resolved field by field and validated once at the end: intermediate combinations (say, a new
        // image size before the new patch size) need not be valid configurations.
        Draft cfg = new Draft(architectureConfig(architecture));

        // Defaults the model builder takes from the pretrained cfg.
        int[] inputSize = intArray(pretrained.get("input_size"), "pretrained_cfg.input_size");
        if (inputSize != null && inputSize.length != 3) {
            throw new IllegalArgumentException("pretrained_cfg.input_size must be [C, H, W], got " + inputSize.length
                    + " values");
        }
        if (inputSize != null) {
            cfg.inChans = inputSize[0];
            if (bool(pretrained, "fixed_input_size", false)) {
                cfg.imgSize = square(inputSize[1], inputSize[2], "pretrained_cfg.input_size");
            }
        }
        Integer numClasses = integer(pretrained, "num_classes");
        if (root != pretrained && root.has("num_classes")) {
            numClasses = integer(root, "num_classes");
        }
        if (numClasses != null && numClasses >= 0) {
            cfg.numClasses = numClasses;
        }
        String pool = text(pretrained, "global_pool");
        if (root != pretrained && root.hasNonNull("global_pool")) {
            pool = text(root, "global_pool");
        }
        if (pool != null) {
            cfg.globalPool = checkPool(pool, "global_pool");
        }

        JsonNode args = root.get("model_args");
        if (args != null && !args.isNull()) {
            if (!args.isObject()) {
                throw new IllegalArgumentException("model_args must be an object");
            }
            applyModelArgs(cfg, args);
        }

        VitConfig model = cfg.build();
        return new TimmHubConfig(architecture, tag, model, preprocessing(model, pretrained),
                labelNames(root.get("label_names")));
    }

    /** {@code label_names}: a list of strings, or null when absent. */
    private static List<String> labelNames(JsonNode names) {
        if (names == null || names.isNull()) {
            return null;
        }
        if (!names.isArray()) {
            throw new IllegalArgumentException("label_names must be a list of class names, got " + names);
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            if (!names.get(i).isTextual()) {
                throw new IllegalArgumentException("label_names[" + i + "] must be a string, got " + names.get(i));
            }
            out.add(names.get(i).asText());
        }
        return List.copyOf(out);
    }

    /**
     * The configuration a timm architecture name stands for, e.g. {@code vit_base_patch16_224},
     * {@code vit_small_patch16_224.augreg_in21k} (the tag after the dot is ignored),
     * {@code vit_tiny_patch16_384}, {@code vit_large_patch14_clip_224} (CLIP flavour: pre-norm, no patch
     * bias, eps 1e-5), {@code vit_base_patch16_clip_quickgelu_224} (QuickGELU).
     *
     * @throws IllegalArgumentException for names outside that family, naming the part not understood
     */
    public static VitConfig architectureConfig(String name) {
        String arch = name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
        Matcher m = ARCH.matcher(arch);
        if (!m.matches()) {
            throw new IllegalArgumentException("unsupported timm architecture '" + name
                    + "' (expected vit_{tiny|small|base|large|huge}_patch{8|14|16|32}[_clip][_quickgelu][_IMGSIZE])");
        }
        VitConfig cfg = VitConfig.forSize(m.group(1), Integer.parseInt(m.group(2)), "timm architecture '" + name + "'");
        boolean sawSize = false;
        for (String part : m.group(3).split("_")) {
            if (part.isEmpty()) {
                continue;
            }
            if (part.chars().allMatch(Character::isDigit) && !sawSize) {
                // The trailing number is the resolution of the default pretrained cfg.
                int img = Integer.parseInt(part);
                if (img % cfg.patchSize() != 0) {
                    throw new IllegalArgumentException("timm architecture '" + name + "': image size " + img
                            + " is not a multiple of the patch size " + cfg.patchSize());
                }
                cfg = cfg.withImgSize(img);
                sawSize = true;
            } else if (part.equals("clip") && !sawSize) {
                cfg = cfg.clipStyle();
            } else if (part.equals("quickgelu") && !sawSize) {
                cfg = cfg.withActivation("quick_gelu");
            } else {
                throw new IllegalArgumentException("unsupported timm architecture '" + name + "': variant '" + part
                        + "' is not implemented (supported: _clip, _quickgelu, and the image size)");
            }
        }
        return cfg;
    }

    /**
     * timm's evaluation transform for the pretrained cfg ({@code transforms_imagenet_eval}): the input
     * size of the model as configured, mean/std/crop_pct/interpolation/crop_mode from the cfg, timm's
     * defaults (ImageNet mean/std, crop 0.875, bicubic, center) for fields it leaves out. Null for
     * models that do not take RGB input.
     */
    private static PreprocessConfig preprocessing(VitConfig cfg, JsonNode pretrained) {
        if (cfg.inChans() != 3) {
            return null;
        }
        float[] mean = floats(pretrained.get("mean"), "pretrained_cfg.mean", PreprocessConfig.IMAGENET_MEAN);
        float[] std = floats(pretrained.get("std"), "pretrained_cfg.std", PreprocessConfig.IMAGENET_STD);
        double cropPct = pretrained.hasNonNull("crop_pct") ? number(pretrained, "crop_pct") : DEFAULT_CROP_PCT;
        String interpolation = pretrained.hasNonNull("interpolation") ? text(pretrained, "interpolation") : "bicubic";
        String cropMode = pretrained.hasNonNull("crop_mode") ? text(pretrained, "crop_mode") : "center";
        try {
            return PreprocessConfig.timm(cfg.imgSize(), mean, std, cropPct, Interpolation.fromName(interpolation),
                    ResizeMode.fromName(cropMode));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("pretrained_cfg: " + e.getMessage(), e);
        }
    }

    private static void applyModelArgs(Draft cfg, JsonNode args) {
        List<String> unsupported = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = args.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = e.getKey();
            JsonNode v = e.getValue();
            String where = "model_args." + k;
            switch (k) {
                case "img_size" -> {
                    int[] s = v.isArray() ? intArray(v, where) : new int[] {intValue(v, where)};
                    if (s.length == 2) {
                        cfg.imgSize = square(s[0], s[1], where);
                    } else if (s.length == 1) {
                        cfg.imgSize = s[0];
                    } else {
                        throw new IllegalArgumentException(where + " must be an integer or [H, W]");
                    }
                }
                case "patch_size" -> {
                    int[] s = v.isArray() ? intArray(v, where) : new int[] {intValue(v, where)};
                    if (s.length == 2) {
                        cfg.patchSize = square(s[0], s[1], where);
                    } else if (s.length == 1) {
                        cfg.patchSize = s[0];
                    } else {
                        throw new IllegalArgumentException(where + " must be an integer or [H, W]");
                    }
                }
                case "in_chans" -> cfg.inChans = intValue(v, where);
                case "num_classes" -> cfg.numClasses = intValue(v, where);
                case "global_pool" -> cfg.globalPool = checkPool(v.asText(), where);
                case "embed_dim" -> cfg.embedDim = intValue(v, where);
                case "depth" -> cfg.depth = intValue(v, where);
                case "num_heads" -> cfg.numHeads = intValue(v, where);
                case "mlp_ratio" -> cfg.mlpRatio = numberValue(v, where);
                case "qkv_bias" -> cfg.qkvBias = boolValue(v, where);
                case "class_token" -> cfg.classToken = boolValue(v, where);
                case "init_values" -> cfg.layerScaleInit = v.isNull() ? null : numberValue(v, where);
                // timm builds the patch embedding without bias exactly when pre_norm is on.
                case "pre_norm" -> {
                    cfg.preNorm = boolValue(v, where);
                    cfg.patchBias = !cfg.preNorm;
                }
                case "fc_norm" -> cfg.fcNorm = v.isNull() ? null : boolValue(v, where);
                case "drop_rate" -> cfg.dropRate = rate(v, where);
                case "pos_drop_rate" -> cfg.posDropRate = rate(v, where);
                case "proj_drop_rate" -> cfg.projDropRate = rate(v, where);
                case "attn_drop_rate" -> cfg.attnDropRate = rate(v, where);
                case "drop_path_rate" -> cfg.dropPathRate = rate(v, where);
                case "act_layer" -> cfg.activation = activation(v, where);
                case "norm_layer" -> {
                    String n = v.asText().toLowerCase(Locale.ROOT);
                    if (!n.equals("layernorm")) {
                        throw new IllegalArgumentException(where + ": only LayerNorm is supported, got " + v);
                    }
                    cfg.normEps = 1e-6; // timm's LayerNorm
                }
                // Accepted when they ask for what this implementation does anyway.
                case "qk_norm", "no_embed_class", "scale_attn_norm", "scale_mlp_norm", "pool_include_prefix",
                        "dynamic_img_pad" -> {
                    if (!(v.isNull() || (v.isBoolean() && !v.booleanValue()))) {
                        unsupported.add(k + "=" + v);
                    }
                }
                case "proj_bias", "final_norm" -> {
                    if (!(v.isBoolean() && v.booleanValue())) {
                        unsupported.add(k + "=" + v);
                    }
                }
                case "reg_tokens" -> {
                    if (intValue(v, where) != 0) {
                        unsupported.add(k + "=" + v);
                    }
                }
                case "pos_embed" -> {
                    if (!v.asText().equals("learn")) {
                        unsupported.add(k + "=" + v);
                    }
                }
                // Only changes behaviour for inputs of another size, which forward() rejects anyway.
                case "dynamic_img_size" -> boolValue(v, where);
                default -> {
                    if (!TRAINING_ONLY.contains(k)) {
                        unsupported.add(k + "=" + v);
                    }
                }
            }
        }
        if (!unsupported.isEmpty()) {
            throw new IllegalArgumentException("model_args not supported by this ViT implementation: "
                    + String.join(", ", unsupported));
        }
    }

    /** A dropout probability in [0, 1). */
    private static double rate(JsonNode v, String where) {
        double p = numberValue(v, where);
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException(where + " must be in [0, 1), got " + v);
        }
        return p;
    }

    private static String activation(JsonNode v, String where) {
        String a = v.asText().toLowerCase(Locale.ROOT).replace('-', '_');
        return switch (a) {
            case "gelu" -> "gelu";
            case "gelu_tanh", "gelu_approximate" -> "gelu_tanh";
            case "quick_gelu", "quickgelu" -> "quick_gelu";
            case "relu" -> "relu";
            default -> throw new IllegalArgumentException(where + ": unsupported activation " + v
                    + " (supported: gelu, gelu_tanh, quick_gelu, relu)");
        };
    }

    private static String checkPool(String pool, String where) {
        if (!VitConfig.POOLS.contains(pool)) {
            throw new IllegalArgumentException(where + ": unsupported pooling \"" + pool
                    + "\" (supported: \"token\", \"avg\", \"\")");
        }
        return pool;
    }

    private static int square(int h, int w, String where) {
        if (h != w) {
            throw new IllegalArgumentException(where + ": only square sizes are supported, got [" + h + ", " + w + "]");
        }
        return h;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException("\"" + field + "\" must be a string, got " + v);
        }
        return v.asText();
    }

    private static Integer integer(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : intValue(v, field);
    }

    private static double number(JsonNode n, String field) {
        return numberValue(n.get(field), field);
    }

    private static boolean bool(JsonNode n, String field, boolean dflt) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? dflt : boolValue(v, field);
    }

    private static int intValue(JsonNode v, String where) {
        if (v == null || !v.canConvertToExactIntegral() || !v.canConvertToInt()) {
            throw new IllegalArgumentException(where + " must be an integer, got " + v);
        }
        return v.intValue();
    }

    private static double numberValue(JsonNode v, String where) {
        if (v == null || !v.isNumber()) {
            throw new IllegalArgumentException(where + " must be a number, got " + v);
        }
        return v.doubleValue();
    }

    private static boolean boolValue(JsonNode v, String where) {
        if (v == null || !v.isBoolean()) {
            throw new IllegalArgumentException(where + " must be true or false, got " + v);
        }
        return v.booleanValue();
    }

    private static int[] intArray(JsonNode v, String where) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isArray()) {
            throw new IllegalArgumentException(where + " must be a list of integers, got " + v);
        }
        int[] out = new int[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = intValue(v.get(i), where + "[" + i + "]");
        }
        return out;
    }

    private static float[] floats(JsonNode v, String where, float[] dflt) {
        if (v == null || v.isNull()) {
            return dflt.clone();
        }
        if (!v.isArray() || v.size() != 3) {
            throw new IllegalArgumentException(where + " must be a list of 3 numbers (R, G, B), got " + v);
        }
        float[] out = new float[3];
        for (int i = 0; i < 3; i++) {
            out[i] = (float) numberValue(v.get(i), where + "[" + i + "]");
        }
        return out;
    }

    /** The configuration being resolved, one field at a time. */
    private static final class Draft {
        int imgSize;
        int patchSize;
        int inChans;
        int embedDim;
        int depth;
        int numHeads;
        double mlpRatio;
        boolean qkvBias;
        boolean classToken;
        String globalPool;
        int numClasses;
        double normEps;
        String activation;
        boolean preNorm;
        boolean patchBias;
        Double layerScaleInit;
        Boolean fcNorm;
        boolean headBias;
        double dropRate;
        double posDropRate;
        double projDropRate;
        double attnDropRate;
        double dropPathRate;

        Draft(VitConfig c) {
            imgSize = c.imgSize();
            patchSize = c.patchSize();
            inChans = c.inChans();
            embedDim = c.embedDim();
            depth = c.depth();
            numHeads = c.numHeads();
            mlpRatio = c.mlpRatio();
            qkvBias = c.qkvBias();
            classToken = c.classToken();
            globalPool = c.globalPool();
            numClasses = c.numClasses();
            normEps = c.normEps();
            activation = c.activation();
            preNorm = c.preNorm();
            patchBias = c.patchBias();
            layerScaleInit = c.layerScaleInit();
            fcNorm = c.fcNorm();
            headBias = c.headBias();
            dropRate = c.dropRate();
            posDropRate = c.posDropRate();
            projDropRate = c.projDropRate();
            attnDropRate = c.attnDropRate();
            dropPathRate = c.dropPathRate();
        }

        VitConfig build() {
            return new VitConfig(imgSize, patchSize, inChans, embedDim, depth, numHeads, mlpRatio, qkvBias, classToken,
                    globalPool, numClasses, normEps, activation, preNorm, patchBias, layerScaleInit, fcNorm, headBias,
                    dropRate, posDropRate, projDropRate, attnDropRate, dropPathRate);
        }
    }
}
