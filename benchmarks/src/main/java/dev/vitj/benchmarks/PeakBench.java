package dev.vitj.benchmarks;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The machine's float32 limit, the yardstick for every other figure: fused multiply-adds on registers only
 * (no memory traffic), {@code SPECIES_PREFERRED} lanes wide (8 with AVX2, 16 with AVX-512), {@value #CHAINS}
 * independent accumulator chains so that the FMA units never wait for a previous result (enough for two FMA
 * pipes of latency 4 or 5). {@code allCores} runs one copy per core at once, {@code oneCore} a single one.
 *
 * <p>The secondary score {@code :mflop} is the rate in MFLOP/s (one FMA = 2 flops); divide by 1000 for
 * GFLOP/s. A ViT-B/16 forward pass at 224 px is ~35 GFLOP, so {@code allCores / 35 GFLOP} is the most images
 * per second that fp32 inference can reach on this machine. On a machine without FMA instructions (HotSpot's
 * {@code UseFMA} off) the Vector API emulates {@code fma} very slowly and this figure means nothing.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class PeakBench {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Independent accumulators: latency × pipes of the FMA unit, with room to spare (AVX2 has 16 registers). */
    static final int CHAINS = 10;
    /** FLOP of one {@link #kernel} call: a whole number of MFLOP for any vector width (10·2·L·steps). */
    static final long FLOP_PER_CALL = 16_000_000L;
    private static final int STEPS = (int) (FLOP_PER_CALL / (2L * CHAINS * S.length()));

    /** Counts MFLOP done, reported by JMH as MFLOP per second (summed over the threads). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public long mflop;

        @Setup(Level.Iteration)
        public void reset() {
            mflop = 0;
        }
    }

    private float a;
    private float b;

    @Setup
    public void setup() {
        // c ← c·a + b converges to b/(1-a): no overflow, no subnormals, and the JIT cannot fold the chain
        a = 0.999f;
        b = 1e-3f;
    }

    /** {@link #STEPS} rounds of {@value #CHAINS} dependent-chain FMAs; returns the sum so nothing is dead code. */
    static float kernel(float a, float b) {
        FloatVector va = FloatVector.broadcast(S, a);
        FloatVector vb = FloatVector.broadcast(S, b);
        FloatVector c0 = FloatVector.broadcast(S, 0.1f);
        FloatVector c1 = FloatVector.broadcast(S, 0.2f);
        FloatVector c2 = FloatVector.broadcast(S, 0.3f);
        FloatVector c3 = FloatVector.broadcast(S, 0.4f);
        FloatVector c4 = FloatVector.broadcast(S, 0.5f);
        FloatVector c5 = FloatVector.broadcast(S, 0.6f);
        FloatVector c6 = FloatVector.broadcast(S, 0.7f);
        FloatVector c7 = FloatVector.broadcast(S, 0.8f);
        FloatVector c8 = FloatVector.broadcast(S, 0.9f);
        FloatVector c9 = FloatVector.broadcast(S, 1.0f);
        for (int i = 0; i < STEPS; i++) {
            c0 = c0.fma(va, vb);
            c1 = c1.fma(va, vb);
            c2 = c2.fma(va, vb);
            c3 = c3.fma(va, vb);
            c4 = c4.fma(va, vb);
            c5 = c5.fma(va, vb);
            c6 = c6.fma(va, vb);
            c7 = c7.fma(va, vb);
            c8 = c8.fma(va, vb);
            c9 = c9.fma(va, vb);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }

    @Benchmark
    @Threads(Threads.MAX)
    public float allCores(Flops flops) {
        flops.mflop += FLOP_PER_CALL / 1_000_000;
        return kernel(a, b);
    }

    @Benchmark
    @Threads(1)
    public float oneCore(Flops flops) {
        flops.mflop += FLOP_PER_CALL / 1_000_000;
        return kernel(a, b);
    }
}
