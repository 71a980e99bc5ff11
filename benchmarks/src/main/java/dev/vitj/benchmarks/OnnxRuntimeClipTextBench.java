package dev.vitj.benchmarks;

import ai.onnxruntime.OrtException;
import dev.vitj.benchmarks.onnx.OnnxRuntimeClipText;
import dev.vitj.clip.OpenClipConfig;
import dev.vitj.clip.TextTransformer;
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
 * The peer baseline of {@link ClipTextBench}: the same text tower (ViT-B-32's: width 512, 8 heads, 12 layers,
 * random weights) and token rows, exported by {@code OnnxClipText} and run by ONNX Runtime (CPU, all graph
 * optimisations, one intra-op thread per core, idle threads sleeping). {@code context}: {@code full} runs all 77
 * positions, as a PyTorch export of open_clip does; {@code trimmed} runs the rows cut after the last
 * end-of-text token, the work vitj's encoder does. {@code java -jar benchmarks.jar ClipTextBench} runs both
 * classes. Secondary score {@code :texts}: texts per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx2g", "-Dorg.bytedeco.javacpp.maxbytes=6g"})
public class OnnxRuntimeClipTextBench {
    @Param({"1", "8"})
    public int batch;

    @Param({"full", "trimmed"})
    public String context;

    private OnnxRuntimeClipText ort;

    @Setup
    public void setup() throws OrtException {
        OpenClipConfig c = OpenClipConfig.preset("ViT-B-32");
        TextTransformer text = new TextTransformer(c.text(), c.embedDim(), "gelu");
        long[][] tokens = Shapes.prompts(batch, c.text().contextLength());
        if (context.equals("trimmed")) {
            tokens = text.trimPadding(tokens);
        } else if (!context.equals("full")) {
            throw new IllegalArgumentException("context must be full or trimmed, got " + context);
        }
        ort = new OnnxRuntimeClipText(text, tokens, "gelu", Runtime.getRuntime().availableProcessors(), false);
    }

    @TearDown
    public void tearDown() throws OrtException {
        ort.close();
    }

    @Benchmark
    public float[][] onnxRuntime(ClipTextBench.Texts counter) throws OrtException {
        counter.texts += batch;
        return ort.run();
    }
}
