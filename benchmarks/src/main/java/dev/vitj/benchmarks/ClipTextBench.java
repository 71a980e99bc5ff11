package dev.vitj.benchmarks;

import dev.vitj.clip.OpenClipConfig;
import dev.vitj.clip.TextTransformer;
import dev.vitj.clip.fast.FastTextEncoder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * The CLIP text encoder of ViT-B-32 / ViT-B-16 (width 512, 8 heads, 12 layers, 77 tokens, causal; random
 * weights of the real shapes): {@code FastTextEncoder} against the reference {@code TextTransformer}.
 * Secondary score {@code :texts}: texts per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx2g", "-Dorg.bytedeco.javacpp.maxbytes=6g"})
public class ClipTextBench {
    @Param({"1", "8"})
    public int batch;

    private TextTransformer text;
    private FastTextEncoder fast;
    private long[][] tokens;

    /** Counts texts, reported by JMH as texts per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Texts {
        public long texts;

        @Setup(Level.Iteration)
        public void reset() {
            texts = 0;
        }
    }

    @Setup
    public void setup() {
        OpenClipConfig c = OpenClipConfig.preset("ViT-B-32");
        text = new TextTransformer(c.text(), c.embedDim(), "gelu");
        fast = FastTextEncoder.compile(text);
        tokens = Shapes.prompts(batch, c.text().contextLength());
    }

    @TearDown
    public void tearDown() {
        fast.close();
    }

    @Benchmark
    public INDArray fast(Texts counter) {
        counter.texts += batch;
        return fast.encode(tokens);
    }

    @Benchmark
    public INDArray reference(Texts counter) {
        counter.texts += batch;
        return text.encode(tokens);
    }
}
