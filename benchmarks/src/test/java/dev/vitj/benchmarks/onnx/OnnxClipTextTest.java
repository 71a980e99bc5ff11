package dev.vitj.benchmarks.onnx;

import dev.vitj.clip.OpenClip;
import dev.vitj.clip.TextTransformer;
import dev.vitj.clip.fast.FastTextEncoder;
import dev.vitj.core.io.SafeTensors;
import dev.vitj.core.testing.Fixtures;
import dev.vitj.core.testing.Parity;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The text-tower peer runs the same model as vitj: the openclip-tiny fixture's text tower, exported by
 * {@link OnnxClipText} and run by ONNX Runtime on the fixture's 12 token rows, gives open_clip's text features
 * and vitj's fast path's.
 */
class OnnxClipTextTest {
    @Test
    void onnxRuntimeRunsTheOpenClipFixtureToOpenClipsTextFeatures() throws Exception {
        OpenClip clip = OpenClip.load(Fixtures.path("openclip-tiny"));
        TextTransformer text = clip.model().text();
        Map<String, INDArray> out = SafeTensors.load(Fixtures.path("openclip-tiny/outputs.safetensors"));
        long[][] tokens = out.get("text.tokens").toLongMatrix();
        INDArray expected = out.get("text_features");
        String activation = clip.config().quickGelu() ? "quick_gelu" : "gelu";

        float[][] features;
        try (OnnxRuntimeClipText ort = new OnnxRuntimeClipText(text, tokens, activation, 2, false)) {
            features = ort.run();
        }
        INDArray got = Nd4j.create(features);
        System.out.println(Parity.assertClose("ONNX Runtime vs open_clip text_features", expected, got, 1e-4));
        try (FastTextEncoder fast = FastTextEncoder.compile(text)) {
            System.out.println(Parity.assertClose("ONNX Runtime vs vitj fast text features", fast.encode(tokens), got, 1e-4));
        }
        // the short prompts cut after their last end-of-text token, as vitj cuts them: the same features
        int[] pool = text.poolIndex(tokens);
        int[] shortRows = java.util.stream.IntStream.range(0, tokens.length).filter(b -> pool[b] < 40).toArray();
        assertTrue(shortRows.length >= 2, "the fixture has short prompts");
        long[][] cut = text.trimPadding(java.util.Arrays.stream(shortRows).mapToObj(b -> tokens[b]).toArray(long[][]::new));
        assertTrue(cut[0].length < tokens[0].length, "trimPadding cuts the short prompts");
        try (OnnxRuntimeClipText ort = new OnnxRuntimeClipText(text, cut, activation, 2, false)) {
            INDArray want = Nd4j.create(java.util.Arrays.stream(shortRows).mapToObj(b -> expected.getRow(b).toFloatVector())
                    .toArray(float[][]::new));
            System.out.println(Parity.assertClose("ONNX Runtime on " + cut[0].length + " positions vs open_clip",
                    want, Nd4j.create(ort.run()), 1e-4));
        }
    }
}
