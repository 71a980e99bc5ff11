package dev.vitj.benchmarks.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.vitj.clip.TextTransformer;

import java.nio.LongBuffer;

/** An OpenCLIP text tower run by ONNX Runtime on fixed token rows: the peer of vitj's {@code FastTextEncoder}. */
public final class OnnxRuntimeClipText implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final OnnxTensor input;
    private final int batch;
    private final int embedDim;

    /**
     * @param text       the tower to export
     * @param tokens     token rows, all of one length: the tower's context length, or less when cut after the
     *                   last end-of-text token ({@code TextTransformer.trimPadding}); kept for every {@link #run()}
     * @param activation {@code gelu} or {@code quick_gelu}
     * @param threads    ONNX Runtime intra-op threads
     * @param spinning   whether ONNX Runtime's idle threads spin-wait (its default) or sleep
     */
    public OnnxRuntimeClipText(TextTransformer text, long[][] tokens, String activation, int threads, boolean spinning)
            throws OrtException {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("no token rows");
        }
        int ctx = tokens[0].length; // the full context, or rows cut as TextTransformer.trimPadding cuts them
        long[] flat = new long[tokens.length * ctx];
        for (int b = 0; b < tokens.length; b++) {
            if (tokens[b].length != ctx) {
                throw new IllegalArgumentException("token row " + b + " has " + tokens[b].length + " ids, row 0 has " + ctx);
            }
            System.arraycopy(tokens[b], 0, flat, b * ctx, ctx);
        }
        this.batch = tokens.length;
        this.embedDim = text.embedDim();
        session = Sessions.open(env, OnnxClipText.export(text, batch, ctx, activation), threads, spinning);
        input = OnnxTensor.createTensor(env, LongBuffer.wrap(flat), new long[] {batch, ctx});
    }

    /** One forward pass; the (unnormalised) text features {@code [batch, E]}. */
    public float[][] run() throws OrtException {
        return Sessions.run(session, OnnxClipText.INPUT, input, batch, embedDim);
    }

    @Override
    public void close() throws OrtException {
        input.close();
        session.close();
    }
}
