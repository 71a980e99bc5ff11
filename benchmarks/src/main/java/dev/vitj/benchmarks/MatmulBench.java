package dev.vitj.benchmarks;

import dev.vitj.core.fast.FastOps;
import dev.vitj.core.fast.Gemm;
import dev.vitj.core.kernels.Act;
import dev.vitj.core.fast.NativeBuffer;
import dev.vitj.core.nn.Linear;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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

import java.util.concurrent.TimeUnit;

/**
 * The four matrix products of a ViT-B/16 block, {@code [batch·197, in] · W[out, in]ᵀ}: qkv (768→2304), proj
 * (768→768), fc1 (768→3072), fc2 (3072→768). {@code fast}: what the fast path does, {@code FastOps.gemm}:
 * the columns split across the Java thread team, each block one single-threaded OpenBLAS sgemm;
 * {@code fastBiasAct}: the same with the bias (and for fc1 the exact GELU) applied by each thread to its block;
 * {@code blas}: one OpenBLAS sgemm call on OpenBLAS's own threads; {@code nd4jGemmInto}: ND4J's gemm into a
 * preallocated array; {@code reference}: {@code core.nn.Linear.forward} (product, bias, new output array).
 * Only {@code fastBiasAct} and {@code reference} add the bias.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx2g"})
public class MatmulBench {
    @Param({"qkv", "proj", "fc1", "fc2"})
    public String layer;

    @Param({"1", "8"})
    public int batch;

    private int m;
    private int in;
    private int out;
    private Gemm gemm;
    private FastOps ops;
    private float[] bias;
    private Act act;
    private NativeBuffer a;
    private NativeBuffer w;
    private NativeBuffer c;
    private Linear linear;
    private INDArray x;
    private INDArray y;

    @Setup
    public void setup() {
        m = batch * Shapes.N;
        int[] io = switch (layer) {
            case "qkv" -> new int[] {Shapes.D, 3 * Shapes.D};
            case "proj" -> new int[] {Shapes.D, Shapes.D};
            case "fc1" -> new int[] {Shapes.D, Shapes.F};
            case "fc2" -> new int[] {Shapes.F, Shapes.D};
            default -> throw new IllegalArgumentException("layer " + layer);
        };
        in = io[0];
        out = io[1];
        gemm = Gemm.best();
        ops = FastOps.defaults();
        linear = new Linear(in, out, true);
        bias = NativeBuffer.toFloats(linear.bias().value());
        act = layer.equals("fc1") ? Act.GELU : Act.IDENTITY;
        x = Shapes.tensor(m, in);
        y = Nd4j.create(DataType.FLOAT, m, out);
        a = NativeBuffer.copyOf(x);
        w = NativeBuffer.copyOf(linear.weight().value());
        c = NativeBuffer.allocate((long) m * out);
    }

    @Benchmark
    public NativeBuffer fast() {
        ops.gemm(false, true, m, out, in, 1f, a, 0, in, w, 0, in, 0f, c, 0, out);
        return c;
    }

    @Benchmark
    public NativeBuffer fastBiasAct() {
        ops.gemm(false, true, m, out, in, 1f, a, 0, in, w, 0, in, 0f, c, 0, out, bias, act);
        return c;
    }

    @Benchmark
    public NativeBuffer blas() {
        gemm.gemm(false, true, m, out, in, 1f, a, 0, in, w, 0, in, 0f, c, 0, out);
        return c;
    }

    @Benchmark
    public INDArray nd4jGemmInto() {
        return Nd4j.gemm(x, linear.weight().value(), y, false, true, 1.0, 0.0);
    }

    @Benchmark
    public INDArray reference() {
        return linear.forward(x);
    }
}
