package dev.vitj.benchmarks;

import ai.onnxruntime.OrtException;
import dev.vitj.benchmarks.onnx.OnnxRuntimeVit;
import dev.vitj.vit.VisionTransformer;
import dev.vitj.vit.VitConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The peer baseline of {@link VitB16Bench}: the same ViT-B/16 (224 px, float32, random weights of the real
 * shapes) exported to ONNX by {@code OnnxVit} and run by ONNX Runtime for Java (CPU, all graph optimisations,
 * one intra-op thread per core). {@code java -jar benchmarks.jar VitB16Bench} matches both classes, so vitj
 * and the peer are measured in one run. {@code spinning} is ONNX Runtime's
 * {@code session.intra_op.allow_spinning}: true is its default, false lets idle threads sleep.
 * The primary score is forward passes per second; the secondary {@code :images} score is images per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 10)
@Measurement(iterations = 3, time = 10)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx3g", "-Dorg.bytedeco.javacpp.maxbytes=6g"})
public class OnnxRuntimeVitB16Bench {
    @Param({"1", "8"})
    public int batch;

    @Param({"true", "false"})
    public boolean spinning;

    private OnnxRuntimeVit ort;

    @Setup
    public void setup() throws OrtException {
        VisionTransformer vit = new VisionTransformer(VitConfig.preset("B/16"));
        float[] pixels = Shapes.tensor(batch, 3, 224, 224).data().asFloat();
        ort = new OnnxRuntimeVit(vit, pixels, batch, Runtime.getRuntime().availableProcessors(), spinning);
    }

    @TearDown
    public void tearDown() throws OrtException {
        ort.close();
    }

    @Benchmark
    public float[][] onnxRuntime(VitB16Bench.Images counter) throws OrtException {
        counter.images += batch;
        return ort.run();
    }
}
