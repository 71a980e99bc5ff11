package dev.vitj.benchmarks.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.FloatBuffer;
import java.util.Map;

/** The ONNX Runtime settings every peer benchmark uses, and one forward pass to a float matrix. */
final class Sessions {
    private Sessions() {}

    /** A CPU session with all graph optimisations, sequential execution and {@code threads} intra-op threads. */
    static OrtSession open(OrtEnvironment env, byte[] model, int threads, boolean spinning) throws OrtException {
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            opts.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            opts.setIntraOpNumThreads(threads);
            opts.setInterOpNumThreads(1);
            opts.addConfigEntry("session.intra_op.allow_spinning", spinning ? "1" : "0");
            return env.createSession(model, opts);
        }
    }

    /** Runs the single-input, single-output {@code session}; the output as {@code [rows][cols]}. */
    static float[][] run(OrtSession session, String inputName, OnnxTensor input, int rows, int cols) throws OrtException {
        try (OrtSession.Result r = session.run(Map.of(inputName, input))) {
            FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[][] m = new float[rows][cols];
            for (float[] row : m) {
                out.get(row);
            }
            return m;
        }
    }
}
