package dev.vitj.benchmarks;

import dev.vitj.benchmarks.onnx.OnnxRuntimeVit;
import dev.vitj.vit.VisionTransformer;
import dev.vitj.vit.VitConfig;
import dev.vitj.vit.fast.FastVisionEncoder;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * vitj's fast path against ONNX Runtime on the same ViT-B/16 weights and pixels, pass by pass in one process:
 * each round times one vitj pass and one ONNX Runtime pass (the order alternates), so a change in the shared
 * host's speed hits both alike. JMH ({@link VitB16Bench}, {@link OnnxRuntimeVitB16Bench}) measures each on its
 * own; on a host whose speed drifts by tens of percent between minutes, this paired ratio is the steadier
 * comparison. ONNX Runtime runs with sleeping idle threads here, so that its spinning cannot steal the cores
 * from vitj's passes.
 *
 * <pre>{@code
 * java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar dev.vitj.benchmarks.PeerComparison [BATCHES [ROUNDS]]
 * }</pre>
 * BATCHES is a comma-separated list (default {@code 1,8}); ROUNDS the timed rounds per batch (default 20).
 */
public final class PeerComparison {
    private PeerComparison() {}

    public static void main(String[] args) throws Exception {
        int[] batches = Arrays.stream((args.length > 0 ? args[0] : "1,8").split(",")).mapToInt(Integer::parseInt).toArray();
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int threads = Runtime.getRuntime().availableProcessors();
        VisionTransformer vit = new VisionTransformer(VitConfig.preset("B/16"));
        // each engine holds its own copy of the weights; the module's copy is freed once both are built,
        // as `vitj bench` does, so that neither pays for the other's garbage
        Map<Integer, OnnxRuntimeVit> peers = new LinkedHashMap<>();
        Map<Integer, INDArray> inputs = new LinkedHashMap<>();
        for (int batch : batches) {
            INDArray pixels = Shapes.tensor(batch, 3, 224, 224);
            inputs.put(batch, pixels);
            peers.put(batch, new OnnxRuntimeVit(vit, pixels.data().asFloat(), batch, threads, false));
        }
        try (FastVisionEncoder fast = FastVisionEncoder.compile(vit)) {
            vit.namedParameters().values().forEach(p -> p.value().close());
            System.gc();
            System.out.println("ViT-B/16 224 px float32, random weights; vitj " + fast.ops().describe()
                    + "; ONNX Runtime " + threads + " intra-op threads, no spinning");
            for (int batch : batches) {
                INDArray pixels = inputs.get(batch);
                try (OnnxRuntimeVit ort = peers.get(batch)) {
                    Pass vitjPass = () -> fast.forward(pixels).close();
                    for (int i = 0; i < 5; i++) { // warm-up: JIT, buffers, ONNX Runtime's arena
                        vitjPass.run();
                        ort.run();
                    }
                    double[] vitj = new double[rounds];
                    double[] peer = new double[rounds];
                    double[] ratio = new double[rounds];
                    for (int r = 0; r < rounds; r++) {
                        if (r % 2 == 0) {
                            vitj[r] = time(vitjPass);
                            peer[r] = time(ort::run);
                        } else {
                            peer[r] = time(ort::run);
                            vitj[r] = time(vitjPass);
                        }
                        ratio[r] = peer[r] / vitj[r];
                    }
                    System.out.printf(Locale.ROOT,
                            "batch %d: vitj %.2f img/s (median pass %.1f ms), ONNX Runtime %.2f img/s (%.1f ms); "
                                    + "vitj speed / ONNX Runtime speed per round: median %.3f, range %.3f-%.3f (%d rounds)%n",
                            batch, batch * 1000 / median(vitj), median(vitj), batch * 1000 / median(peer), median(peer),
                            median(ratio), min(ratio), max(ratio), rounds);
                }
            }
        }
    }

    private interface Pass {
        void run() throws Exception;
    }

    /** Milliseconds of one pass. */
    private static double time(Pass pass) throws Exception {
        long t0 = System.nanoTime();
        pass.run();
        return (System.nanoTime() - t0) / 1e6;
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double min(double[] a) {
        return Arrays.stream(a).min().orElse(Double.NaN);
    }

    private static double max(double[] a) {
        return Arrays.stream(a).max().orElse(Double.NaN);
    }
}
