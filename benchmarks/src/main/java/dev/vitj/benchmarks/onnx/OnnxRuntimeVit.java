package dev.vitj.benchmarks.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.vitj.vit.VisionTransformer;
import dev.vitj.vit.VitConfig;

import java.nio.FloatBuffer;

/**
 * A {@link VisionTransformer}'s weights run by ONNX Runtime (CPU execution provider, all graph
 * optimisations): the peer that vitj's fast path is measured against, on the same weights and inputs.
 */
public final class OnnxRuntimeVit implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final OnnxTensor input;
    private final int batch;
    private final int classes;

    /**
     * @param vit      the model to export
     * @param pixels   the input batch, {@code [batch, C, H, W]} flattened in C order; kept for every {@link #run()}
     * @param batch    images per forward pass
     * @param threads  ONNX Runtime intra-op threads
     * @param spinning whether ONNX Runtime's idle threads spin-wait (its default) or sleep
     */
    public OnnxRuntimeVit(VisionTransformer vit, float[] pixels, int batch, int threads, boolean spinning) throws OrtException {
        VitConfig c = vit.config();
        long[] shape = {batch, c.inChans(), c.imgSize(), c.imgSize()};
        if (pixels.length != batch * c.inChans() * c.imgSize() * c.imgSize()) {
            throw new IllegalArgumentException(pixels.length + " pixel values for input shape " + java.util.Arrays.toString(shape));
        }
        this.batch = batch;
        this.classes = c.numClasses();
        session = Sessions.open(env, OnnxVit.export(vit, batch), threads, spinning);
        input = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), shape);
    }

    /** One forward pass; the logits {@code [batch, classes]}. */
    public float[][] run() throws OrtException {
        return Sessions.run(session, OnnxVit.INPUT, input, batch, classes);
    }

    @Override
    public void close() throws OrtException {
        input.close();
        session.close();
    }
}
