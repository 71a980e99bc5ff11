package dev.vitj.benchmarks;

import dev.vitj.core.fast.FastOps;
import dev.vitj.core.fast.FastTransformer;
import dev.vitj.core.fast.Gemm;
import dev.vitj.core.fast.NativeBuffer;
import dev.vitj.core.fast.Workers;
import dev.vitj.core.kernels.Kernels;
import dev.vitj.core.nn.Activation;
import dev.vitj.core.nn.EncoderBlock;
import org.nd4j.linalg.api.ndarray.INDArray;
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
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The attention sub-layer of a ViT-B/16 block, {@code x + attn(norm1(x))} over {@code [batch, 197, 768]}, 12
 * heads: the unfused reference ({@code core.nn} LayerNorm and MultiHeadAttention: head split/merge copies,
 * batched ND4J matmuls, composed softmax) against the fast path (fused LayerNorm, qkv and projection GEMMs
 * split across the thread team, heads across the threads, fused softmax, residual folded into the
 * projection). {@code products} picks how the fast path computes each head's {@code q kᵀ} and {@code P v}:
 * {@code blas} (two single-threaded BLAS calls on strided views) or {@code java} (the Vector API kernels'
 * register-blocked matmul on cache-resident copies); the reference ignores it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx2g"})
public class AttentionBench {
    @Param({"1", "8"})
    public int batch;

    @Param({"blas", "java"})
    public String products;

    private EncoderBlock block;
    private INDArray x;
    private FastTransformer fast;
    private FastTransformer.Workspace ws;
    private FastOps ops;

    @Setup
    public void setup() {
        block = new EncoderBlock(Shapes.D, Shapes.HEADS, 4.0, true, Activation.of("gelu"), 1e-6, null);
        x = Shapes.tensor(batch, Shapes.N, Shapes.D);
        fast = FastTransformer.compile(List.of(block));
        ws = fast.workspace(batch * Shapes.N, Shapes.N);
        ws.x().copyFrom(NativeBuffer.copyOf(x), 0, 0, batch * Shapes.N * Shapes.D);
        ops = new FastOps(Kernels.best(), Gemm.best(), Workers.defaultThreads(),
                FastOps.AttentionProducts.valueOf(products.toUpperCase(java.util.Locale.ROOT)));
    }

    @Benchmark
    public NativeBuffer fast() {
        fast.runAttention(ops, ws, 0, batch, Shapes.N, false);
        return ws.x();
    }

    @Benchmark
    public INDArray reference() {
        INDArray h = block.norm1().forward(x);
        INDArray a = block.attn().forward(h);
        INDArray y = x.add(a);
        h.close();
        a.close();
        return y;
    }
}
