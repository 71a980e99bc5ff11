package dev.vitj.vit;

import dev.vitj.core.io.SafeTensors;
import dev.vitj.core.io.torch.TorchSaveWriter;
import dev.vitj.core.nn.Parameter;
import dev.vitj.core.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hub loader checks the weights file's header against the configured model before allocating it, so a
 * config that asks for an absurd model is refused with the file and the keys named, and the model is filled
 * straight from the file; a PyTorch {@code .bin} loads like the safetensors file.
 */
class TimmLoaderHeaderFirstTest {
    @TempDir
    Path tmp;

    private static Path fixture(String name) {
        return Fixtures.path("timm-vit-tiny").resolve(name);
    }

    /** A copy of the fixture directory whose config.json has {@code from} replaced by {@code to}. */
    private Path withConfig(String from, String to) throws IOException {
        String cfg = Files.readString(fixture("config.json"));
        assertTrue(cfg.contains(from), from);
        Files.writeString(tmp.resolve("config.json"), cfg.replace(from, to));
        Files.copy(fixture("model.safetensors"), tmp.resolve("model.safetensors"));
        return tmp;
    }

    @Test
    void anAbsurdDepthIsRefusedBeforeTheModelIsBuilt() throws IOException {
        Path dir = withConfig("\"depth\": 3", "\"depth\": 2000000000");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TimmLoader.load(dir));
        String m = e.getMessage();
        assertTrue(m.contains("model.safetensors") && m.contains("config.json"), m);
        assertTrue(m.contains("depth 2000000000 but the file holds only 44 tensors"), m);
    }

    @Test
    void anAbsurdWidthIsRefusedKeyByKeyWithoutAllocating() throws IOException {
        // 3 blocks of width 3·2^20: about 400 billion parameters (1.6 TB) if it were allocated
        Path dir = withConfig("\"embed_dim\": 96", "\"embed_dim\": 3145728");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TimmLoader.load(dir));
        String m = e.getMessage();
        assertTrue(m.contains("model.safetensors"), m);
        assertTrue(m.contains("shape mismatch for 'blocks.2.mlp.fc1.weight': checkpoint [384, 96], model [12582912, 3145728]"), m);
        assertTrue(m.contains("shape mismatch for 'pos_embed': checkpoint [1, 17, 96], model [1, 17, 3145728]"), m);
        assertTrue(m.contains("43 problem(s)"), m); // every tensor whose shape involves the width (all but head.bias)
    }

    @Test
    void integerTensorsUnderWeightNamesAreRefused() throws IOException {
        Map<String, INDArray> state = new LinkedHashMap<>(SafeTensors.load(fixture("model.safetensors")));
        state.put("head.bias", Nd4j.createFromArray(1L, 2L, 3L, 4L, 5L));
        Files.copy(fixture("config.json"), tmp.resolve("config.json"));
        SafeTensors.write(tmp.resolve("model.safetensors"), state);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TimmLoader.load(tmp));
        assertTrue(e.getMessage().contains("1 problem(s):\n  tensor 'head.bias' is stored as I64, expected a floating-point"),
                e.getMessage());
    }

    @Test
    void theModelHoldsExactlyTheFilesTensors() throws IOException {
        Map<String, INDArray> file = SafeTensors.load(fixture("model.safetensors"));
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            VisionTransformer model = TimmLoader.load(Fixtures.path("timm-vit-tiny"), type).model();
            assertEquals(file.keySet(), model.namedParameters().keySet());
            for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
                INDArray v = e.getValue().value();
                assertEquals(type, v.dataType(), e.getKey());
                assertArrayEquals(file.get(e.getKey()).castTo(type).dup().data().asDouble(), v.dup().data().asDouble(),
                        e.getKey());
            }
        }
    }

    @Test
    void aPytorchBinLoadsLikeTheSafetensorsFile() throws IOException {
        Files.copy(fixture("config.json"), tmp.resolve("config.json"));
        TorchSaveWriter.write(tmp.resolve(TimmLoader.TORCH_BIN), SafeTensors.load(fixture("model.safetensors")));
        assertEquals(TimmLoader.TORCH_BIN, TimmLoader.weightsFile(tmp).getFileName().toString());

        VitCheckpoint bin = TimmLoader.load(tmp);
        VitCheckpoint st = TimmLoader.load(Fixtures.path("timm-vit-tiny"));
        assertEquals(st.config(), bin.config());
        try (SafeTensors in = Fixtures.open("timm-vit-tiny/inputs.safetensors");
             SafeTensors out = Fixtures.open("timm-vit-tiny/outputs.safetensors")) {
            INDArray pixels = in.get("pixel_values");
            INDArray logits = bin.model().forward(pixels);
            assertArrayEquals(st.model().forward(pixels).toFloatMatrix(), logits.toFloatMatrix(), "bitwise equal");
            dev.vitj.core.testing.Parity.assertClose("logits from pytorch_model.bin", out.get("logits"), logits, 1e-5);
        }
    }
}
