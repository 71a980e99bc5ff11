package dev.vitj.clip;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vitj.core.io.SafeTensors;
import dev.vitj.core.nn.Parameter;
import dev.vitj.core.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OpenCLIP directories are checked header first: a config asking for a model the weights cannot fill is
 * refused, naming the file and every key, before the model is allocated; a fitting one is filled straight
 * from the file.
 */
class OpenClipHeaderFirstTest {
    @TempDir
    Path tmp;

    private static Path fixture() {
        return Fixtures.path("openclip-tiny");
    }

    /** A directory with the fixture's weights and its config changed by {@code edit} (on {@code model_cfg}). */
    private Path withConfig(Consumer<ObjectNode> edit) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) json.readTree(fixture().resolve(OpenClip.CONFIG).toFile());
        edit.accept((ObjectNode) cfg.get("model_cfg"));
        json.writeValue(tmp.resolve(OpenClip.CONFIG).toFile(), cfg);
        Files.createSymbolicLink(tmp.resolve(OpenClip.SAFETENSORS), fixture().resolve(OpenClip.SAFETENSORS).toAbsolutePath());
        return tmp;
    }

    @Test
    void tenMillionBlocksAreRefusedBeforeTheModelIsBuilt() throws IOException {
        // within the config's parameter bound (7.7e9), but one object tree per block would exhaust the heap
        Path dir = withConfig(m -> ((ObjectNode) m.get("vision_cfg")).put("width", 8).put("head_width", 8)
                .put("layers", 10_000_000));
        String expected = OpenClip.SAFETENSORS + " does not fit the OpenCLIP configuration: 1 problem(s):\n"
                + "  the configuration has ";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OpenClip.load(dir));
        assertTrue(e.getMessage().contains(expected + "10000002 transformer blocks but the file holds only 74 tensors"),
                e.getMessage());
        IllegalArgumentException vision = assertThrows(IllegalArgumentException.class,
                () -> OpenClipVisionFormat.loadVision(dir, DataType.FLOAT));
        assertTrue(vision.getMessage().contains(expected + "10000000 transformer blocks but the file holds only 44 tensors"),
                vision.getMessage());
    }

    @Test
    void aWiderTextTowerIsRefusedKeyByKey() throws IOException {
        Path dir = withConfig(m -> ((ObjectNode) m.get("text_cfg")).put("width", 4096));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OpenClip.load(dir));
        String m = e.getMessage();
        assertTrue(m.contains(OpenClip.SAFETENSORS + " does not fit the OpenCLIP configuration"), m);
        assertTrue(m.contains("shape mismatch for 'token_embedding.weight': checkpoint [49408, 64], model [49408, 4096]"), m);
        assertTrue(m.contains("shape mismatch for 'transformer.resblocks.1.mlp.c_fc.weight': checkpoint [256, 64], "
                + "model [16384, 4096]"), m);
        assertTrue(m.contains("shape mismatch for 'text_projection': checkpoint [64, 64], model [4096, 64]"), m);
        // the vision tower alone does not read the text tower's tensors, so it still loads
        assertEquals(3, OpenClipVisionFormat.loadVision(dir, DataType.FLOAT).config().depth());
    }

    @Test
    void theModelHoldsTheFilesTensorsInOpenClipsLayout() throws IOException {
        Map<String, INDArray> file = SafeTensors.load(fixture().resolve(OpenClip.SAFETENSORS));
        ClipModel model = OpenClip.load(fixture(), DataType.DOUBLE).model();
        OpenClipKeys keys = new OpenClipKeys(model.config(), false);
        Map<String, INDArray> back = keys.toOpenClipStateDict(model.stateDict());
        assertEquals(file.keySet(), back.keySet());
        for (Map.Entry<String, INDArray> e : back.entrySet()) {
            assertEquals(DataType.DOUBLE, e.getValue().dataType(), e.getKey());
            assertArrayEquals(file.get(e.getKey()).castTo(DataType.DOUBLE).dup().data().asDouble(),
                    e.getValue().dup().data().asDouble(), e.getKey());
        }
        for (Map.Entry<String, Parameter> p : model.namedParameters().entrySet()) {
            assertTrue(p.getValue().isAllocated(), p.getKey());
        }
    }
}
