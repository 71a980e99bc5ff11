package dev.vitj.vit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vitj.core.image.Interpolation;
import dev.vitj.core.image.PreprocessConfig;
import org.junit.jupiter.api.Test;

import static dev.vitj.vit.VitConfigTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How a hub config.json resolves: architecture defaults, then pretrained_cfg, then model_args. */
class TimmHubConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static TimmHubConfig parse(String json) throws Exception {
        JsonNode n = JSON.readTree(json.replace('\'', '"'));
        return TimmHubConfig.parse(n);
    }

    @Test
    void pretrainedCfgGivesInputSizeAndClassesModelArgsWin() throws Exception {
        TimmHubConfig c = parse("{'architecture': 'vit_base_patch16_384', 'num_classes': 7, 'pretrained_cfg': {"
                + "'input_size': [3, 384, 384], 'fixed_input_size': true, 'num_classes': 1000, 'crop_pct': 1.0,"
                + "'interpolation': 'bicubic', 'mean': [0.5, 0.5, 0.5], 'std': [0.5, 0.5, 0.5]}}");
        assertEquals(384, c.model().imgSize());
        assertEquals(7, c.model().numClasses()); // top-level num_classes replaces the pretrained cfg's
        assertEquals(384, c.preprocess().size());
        assertEquals(1.0, c.preprocess().cropPct());
        assertEquals("", c.tag());

        TimmHubConfig overridden = parse("{'architecture': 'vit_base_patch16_224.augreg_in21k', 'model_args': "
                + "{'img_size': 64, 'num_classes': 3}, 'pretrained_cfg': {'input_size': [3, 224, 224], "
                + "'fixed_input_size': true}}");
        assertEquals(64, overridden.model().imgSize());
        assertEquals(64, overridden.preprocess().size());
        assertEquals(3, overridden.model().numClasses());
        assertEquals("augreg_in21k", overridden.tag());
        // timm's defaults for a pretrained cfg without data fields
        assertArrayEquals(PreprocessConfig.IMAGENET_MEAN, overridden.preprocess().mean());
        assertArrayEquals(PreprocessConfig.IMAGENET_STD, overridden.preprocess().std());
        assertEquals(0.875, overridden.preprocess().cropPct());
        // (resolve_data_config: interpolation defaults to bicubic when the cfg has none)
        assertEquals(Interpolation.BICUBIC, overridden.preprocess().interpolation());
    }

    @Test
    void oldLayoutWithoutPretrainedCfg() throws Exception {
        TimmHubConfig c = parse("{'architecture': 'vit_small_patch16_224', 'num_classes': 10, "
                + "'input_size': [3, 224, 224], 'mean': [0.1, 0.2, 0.3], 'std': [1, 2, 3], 'crop_pct': 0.95}");
        assertEquals(VitConfig.vitSmall(16).withNumClasses(10), c.model());
        assertArrayEquals(new float[] {0.1f, 0.2f, 0.3f}, c.preprocess().mean());
        assertEquals(0.95, c.preprocess().cropPct());
    }

    @Test
    void modelArgsCoverTheOptions() throws Exception {
        TimmHubConfig c = parse("{'architecture': 'vit_base_patch16_224', 'global_pool': 'avg', 'model_args': {"
                + "'patch_size': 8, 'img_size': [32, 32], 'embed_dim': 48, 'depth': 2, 'num_heads': 4, 'mlp_ratio': 2.0,"
                + "'qkv_bias': false, 'init_values': 1e-5, 'pre_norm': true, 'act_layer': 'quick_gelu',"
                + "'drop_path_rate': 0.1, 'class_token': true, 'fc_norm': null, 'dynamic_img_size': false},"
                + "'pretrained_cfg': {}}");
        VitConfig m = c.model();
        assertEquals(8, m.patchSize());
        assertEquals(32, m.imgSize());
        assertEquals(48, m.embedDim());
        assertEquals(2, m.depth());
        assertEquals(4, m.numHeads());
        assertEquals(96, m.mlpHidden());
        assertFalse(m.qkvBias());
        assertEquals(1e-5, m.layerScaleInit());
        assertTrue(m.preNorm());
        assertFalse(m.patchBias()); // timm: patch bias off exactly when pre_norm is on
        assertEquals("quick_gelu", m.activation());
        assertEquals("avg", m.globalPool());
        assertTrue(m.usesFcNorm());
    }

    @Test
    void argumentOrderDoesNotMatter() throws Exception {
        // each pair is invalid half-applied (no class token with token pooling, 100 px with patch 16, ...)
        TimmHubConfig c = parse("{'architecture': 'vit_base_patch16_224', 'model_args': {'class_token': false, "
                + "'global_pool': 'avg', 'img_size': 100, 'patch_size': 10, 'embed_dim': 100, 'num_heads': 5}}");
        assertFalse(c.model().classToken());
        assertEquals("avg", c.model().globalPool());
        assertEquals(100, c.model().seqLen());
        assertEquals(20, c.model().headDim());
        assertMessage(() -> parse("{'architecture': 'vit_base_patch16_224', 'model_args': {'img_size': 100}}"),
                "imgSize 100 is not a multiple of patchSize 16");
    }

    @Test
    void unsupportedArgumentsAreAllNamed() {
        assertMessage(() -> parse("{'architecture': 'vit_base_patch16_224', 'model_args': {'reg_tokens': 4, "
                + "'qk_norm': true, 'no_embed_class': true, 'weird_option': 1, 'drop_rate': 0.5}}"),
                "reg_tokens=4, qk_norm=true, no_embed_class=true, weird_option=1");
        assertMessage(() -> parse("{'architecture': 'vit_base_patch16_224', 'model_args': {'depth': 'deep'}}"),
                "model_args.depth must be an integer");
        assertMessage(() -> parse("{'architecture': 'vit_base_patch16_224', 'model_args': {'global_pool': 'map'}}"),
                "unsupported pooling \"map\"");
        assertMessage(() -> parse("{'architecture': 'vit_base_patch16_224', 'model_args': {'img_size': [224, 192]}}"),
                "only square sizes");
        assertMessage(() -> parse("{'architecture': 'vit_base_patch16_224', 'model_args': {'act_layer': 'swish'}}"),
                "unsupported activation");
        assertMessage(() -> parse("{'num_classes': 3}"), "no \"architecture\" field");
        assertMessage(() -> parse("{'architecture': 'vit_base_patch16_224', 'pretrained_cfg': {'mean': [0.5]}}"),
                "pretrained_cfg.mean must be a list of 3 numbers");
        assertMessage(() -> parse("{'architecture': 'vit_base_patch16_224', 'pretrained_cfg': {'interpolation': 'x'}}"),
                "unknown interpolation 'x'");
    }

    @Test
    void labelNamesAreReadAndChecked() throws Exception {
        assertEquals(java.util.List.of("cat", "dog"),
                parse("{'architecture': 'vit_base_patch16_224', 'label_names': ['cat', 'dog']}").labelNames());
        assertEquals(null, parse("{'architecture': 'vit_base_patch16_224'}").labelNames());
        assertMessage(() -> parse("{'architecture': 'vit_base_patch16_224', 'label_names': 'cat'}"),
                "label_names must be a list of class names");
        assertMessage(() -> parse("{'architecture': 'vit_base_patch16_224', 'label_names': ['cat', 3]}"),
                "label_names[1] must be a string");
    }
}
