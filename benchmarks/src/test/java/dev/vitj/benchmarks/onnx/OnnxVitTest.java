package dev.vitj.benchmarks.onnx;

import dev.vitj.core.io.SafeTensors;
import dev.vitj.core.testing.Fixtures;
import dev.vitj.core.testing.Parity;
import dev.vitj.vit.TimmLoader;
import dev.vitj.vit.VisionTransformer;
import dev.vitj.vit.VitCheckpoint;
import dev.vitj.vit.VitConfig;
import dev.vitj.vit.fast.FastVisionEncoder;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The peer baseline must run the same model as vitj: the timm-vit-tiny fixture, exported by {@link OnnxVit}
 * and run by ONNX Runtime, gives timm's logits (the fixture) and vitj's fast path's logits.
 */
class OnnxVitTest {
    @Test
    void onnxRuntimeRunsTheTimmFixtureToTimmsLogits() throws Exception {
        VitCheckpoint ckpt = TimmLoader.load(Fixtures.path("timm-vit-tiny"));
        Map<String, INDArray> io = SafeTensors.load(Fixtures.path("timm-vit-tiny/inputs.safetensors"));
        INDArray pixels = io.get("pixel_values"); // [B, 3, H, W]
        INDArray expected = SafeTensors.load(Fixtures.path("timm-vit-tiny/outputs.safetensors")).get("logits");
        int batch = (int) pixels.size(0);

        float[][] logits;
        try (OnnxRuntimeVit ort = new OnnxRuntimeVit(ckpt.model(), pixels.dup('c').data().asFloat(), batch, 2, false)) {
            logits = ort.run();
        }
        INDArray got = Nd4j.create(logits);
        System.out.println(Parity.assertClose("ONNX Runtime vs timm logits", expected, got, 1e-4));
        try (FastVisionEncoder fast = FastVisionEncoder.compile(ckpt.model())) {
            System.out.println(Parity.assertClose("ONNX Runtime vs vitj fast logits", fast.forward(pixels), got, 1e-4));
        }
    }

    @Test
    void unsupportedModelsAreRefusedByName() {
        VisionTransformer avg = new VisionTransformer(VitConfig.vitTiny(16).withImgSize(32).withDepth(1).withGlobalPool("avg"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxVit.export(avg, 1));
        assertTrue(e.getMessage().contains("avg"), e.getMessage());
    }
}
