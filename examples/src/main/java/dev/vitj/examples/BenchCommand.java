package dev.vitj.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.vitj.core.fast.FastOps;
import dev.vitj.core.fast.Gemm;
import dev.vitj.core.fast.Profile;
import dev.vitj.core.fast.Workers;
import dev.vitj.core.kernels.Kernels;
import dev.vitj.core.nn.Parameter;
import dev.vitj.examples.cli.Args;
import dev.vitj.examples.cli.Command;
import dev.vitj.examples.cli.UsageException;
import dev.vitj.vit.ForwardOptions;
import dev.vitj.vit.VisionTransformer;
import dev.vitj.vit.VitConfig;
import dev.vitj.vit.fast.FastVisionEncoder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code vitj bench}: a quick speed check of the fast inference path without JMH: images per second and
 * the time of each stage (patch embedding, attention, MLP, norms, head) for a model directory or a preset
 * with random weights. For rigorous numbers use the JMH suite ({@code benchmarks/}).
 */
final class BenchCommand implements Command {
    /** nd4j-native builds, by the folder of their native libraries. */
    private static final List<String> ND4J_BUILDS = List.of("linux-x86_64-onednn-avx512", "linux-x86_64-onednn-avx2",
            "linux-x86_64-onednn", "linux-x86_64-avx512", "linux-x86_64-avx2", "linux-x86_64",
            "macosx-x86_64", "macosx-arm64", "windows-x86_64", "linux-arm64");

    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "measure fast ViT inference: images per second and time per stage";
    }

    @Override
    public String usage() {
        return """
                usage: vitj bench [--model DIR | --preset B/16] [--batch 1,8] [--threads N] [--json]
                                  [--iterations K] [--warmup W] [--reference]
                  --model DIR       a model directory (timm or OpenCLIP); its vision tower is measured
                  --preset NAME     a ViT preset with random weights (default B/16: 224 px, 86 M parameters)
                  --batch LIST      comma-separated batch sizes (default 1,8)
                  --threads N       threads for the whole pass: fused kernels and matrix products (default: all cores)
                  --iterations K    timed forward passes per batch size (default: enough for ~5 s, 3..20)
                  --warmup W        untimed passes first (default: until 3 passes in a row agree within 5%%,
                                    at least 3, at most %d or %d s: the JIT compiles the kernels meanwhile)
                  --reference       also time the readable VisionTransformer (ND4J ops) for comparison; without
                                    it the module's weights are freed once the fast encoder is compiled
                  --json            print one JSON object {"results": [{"batch": 1, "images_per_second": ...}, ...]}
                Images per second are the mean over the timed passes (as JMH's throughput). Process CPU time per
                batch is printed too: on a shared machine it is steadier than wall time. Memory: peak heap in use,
                the encoder's native memory, and the peak resident size of the whole process while inferring
                (heap and native together, measured after the weights were compiled and the module freed).""".formatted(MAX_WARMUP, MAX_WARMUP_SECONDS);
    }

    @Override
    public Set<String> valuedOptions() {
        return Set.of("model", "preset", "batch", "threads", "iterations", "warmup");
    }

    @Override
    public Set<String> switches() {
        return Set.of("json", "reference");
    }

    /** Automatic warm-up: stop when this many passes in a row agree within {@link #STABLE_SPREAD}. */
    private static final int STABLE_PASSES = 3;
    private static final double STABLE_SPREAD = 0.05;
    private static final int MIN_WARMUP = 3;
    private static final int MAX_WARMUP = 50;
    private static final int MAX_WARMUP_SECONDS = 60;
    /** Automatic iteration count: passes for about this many seconds, within 3..20. */
    private static final double TIMED_SECONDS = 5;

    /** One batch size's measurements. */
    private record Result(int batch, int warmupPasses, int iterations, double imagesPerSecond, double msPerBatch,
                          double minMsPerBatch, double medianMsPerBatch, double cpuMsPerBatch,
                          Map<String, Double> stagesMs, double referenceImagesPerSecond) {}

    @Override
    public int run(Args args) throws Exception {
        if (args.has("model") && args.has("preset")) {
            throw new UsageException("give either --model or --preset, not both");
        }
        List<Integer> batches = batches(args.get("batch", "1,8"));
        int threads = args.getInt("threads", Workers.defaultThreads());
        if (threads < 1 || threads > 256) {
            throw new UsageException("--threads must be 1..256, got " + threads);
        }
        int iterations = args.getInt("iterations", 0); // 0: automatic
        int warmup = args.getInt("warmup", -1); // -1: automatic
        if ((args.has("iterations") && iterations < 1) || (args.has("warmup") && warmup < 0)) {
            throw new UsageException("--iterations must be >= 1 and --warmup >= 0, got "
                    + args.get("iterations", "(auto)") + " and " + args.get("warmup", "(auto)"));
        }
        boolean json = args.flag("json");

        String modelName;
        VisionTransformer vit;
        if (args.has("model")) {
            var ckpt = VisionInputs.model(args);
            modelName = ckpt.name();
            vit = ckpt.model();
        } else {
            String preset = args.get("preset", "B/16");
            VitConfig c;
            try {
                c = VitConfig.preset(preset);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--preset: " + e.getMessage());
            }
            modelName = "ViT-" + preset + " (random weights)";
            vit = new VisionTransformer(c);
        }
        VitConfig config = vit.config();
        long params = vit.parameterCount();
        if (args.has("threads")) {
            // this process exists to measure: it may set the process-wide BLAS and OpenMP thread counts (the
            // fast path itself runs on its own team of N threads; these are for the ND4J reference)
            Nd4j.factory().blas().setMaxThreads(threads);
            Nd4j.getEnvironment().setMaxThreads(threads);
        }
        FastOps ops = new FastOps(Kernels.best(), Gemm.best(), threads);
        FastVisionEncoder fast = FastVisionEncoder.compile(vit, ops);
        boolean reference = args.flag("reference");
        if (!reference) {
            // the encoder holds its own copy of the weights: free the module's now rather than at some later GC
            for (Parameter p : vit.namedParameters().values()) {
                if (p.value() != null && p.value().closeable()) {
                    p.value().close();
                }
            }
            vit = null;
        }
        System.gc();
        Memory memory = new Memory();

        if (!json) {
            System.out.printf("vitj bench: %s, %d px, %.1f M parameters, %.1f GFLOP per image, float32%n", modelName,
                    config.imgSize(), params / 1e6, gflopPerImage(config));
            System.out.printf("  %s; nd4j-native %s; OMP_WAIT_POLICY=%s%n", ops.describe(), nd4jBuild(),
                    System.getenv().getOrDefault("OMP_WAIT_POLICY", "(unset)"));
        }
        List<Result> results = new ArrayList<>();
        for (int b : batches) {
            Nd4j.getRandom().setSeed(b);
            INDArray pixels = Nd4j.randn(DataType.FLOAT, b, config.inChans(), config.imgSize(), config.imgSize());
            long[] warm = warmUp(fast, pixels, warmup); // {passes, last pass ns}
            int passes = iterations > 0 ? iterations
                    : (int) Math.max(3, Math.min(20, Math.ceil(TIMED_SECONDS * 1e9 / Math.max(1, warm[1]))));
            Profile profile = new Profile();
            long[] times = new long[passes];
            long cpu0 = processCpuNanos();
            for (int i = 0; i < passes; i++) {
                long t0 = System.nanoTime();
                INDArray logits = fast.forward(pixels, ForwardOptions.logitsOnly(), profile).logits();
                times[i] = System.nanoTime() - t0;
                logits.close();
            }
            long cpu = processCpuNanos() - cpu0;
            memory.sample();
            long total = 0;
            for (long t : times) {
                total += t;
            }
            long[] sorted = times.clone();
            Arrays.sort(sorted);
            Map<String, Double> stages = stages(profile, passes);
            double referenceIps = -1;
            if (reference) {
                for (int i = 0; i < Math.max(1, Math.min(3, (int) warm[0])); i++) {
                    vit.forward(pixels).close();
                }
                long t0 = System.nanoTime();
                for (int i = 0; i < passes; i++) {
                    vit.forward(pixels).close();
                }
                referenceIps = b * passes / ((System.nanoTime() - t0) / 1e9);
            }
            Result r = new Result(b, (int) warm[0], passes, b * passes / (total / 1e9), total / 1e6 / passes,
                    sorted[0] / 1e6, sorted[passes / 2] / 1e6, cpu < 0 ? -1 : cpu / 1e6 / passes, stages, referenceIps);
            results.add(r);
            pixels.close();
            if (!json) {
                System.out.printf("batch %d: %.2f images/s, %.1f GFLOP/s (%.1f ms per batch: median %.1f, best %.1f;"
                                + " process CPU %.1f ms; %d passes after %d warm-up)%n", b, r.imagesPerSecond(),
                        r.imagesPerSecond() * gflopPerImage(config), r.msPerBatch(),
                        r.medianMsPerBatch(), r.minMsPerBatch(), r.cpuMsPerBatch(), passes, r.warmupPasses());
                System.out.printf("  embed %.1f ms | norms %.1f ms | attention %.1f ms (qkv %.1f, core %.1f, proj %.1f)"
                                + " | mlp %.1f ms (fc1+act %.1f, fc2 %.1f) | head %.1f ms%n",
                        stages.get("embed"), stages.get("norms"), stages.get("attention"), stages.get("attention.qkv"),
                        stages.get("attention.core"), stages.get("attention.proj"), stages.get("mlp"),
                        stages.get("mlp.fc1_act"), stages.get("mlp.fc2"), stages.get("head"));
                if (reference) {
                    System.out.printf("  reference VisionTransformer: %.2f images/s%n", referenceIps);
                }
            }
        }
        long nativeBytes = fast.nativeBytes();
        fast.close();
        if (json) {
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("model", modelName);
            root.put("image_size", config.imgSize());
            root.put("parameters", params);
            root.put("gflop_per_image", gflopPerImage(config));
            root.put("kernels", ops.kernels().name());
            root.put("gemm", ops.gemm().name());
            root.put("attention", ops.fusedAttention() ? "java" : "blas");
            root.put("threads", threads);
            root.put("blas_threads", Nd4j.factory().blas().getMaxThreads());
            root.put("nd4j_native", nd4jBuild());
            root.put("omp_wait_policy", System.getenv().getOrDefault("OMP_WAIT_POLICY", ""));
            List<Map<String, Object>> list = new ArrayList<>();
            for (Result r : results) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("batch", r.batch());
                m.put("images_per_second", r.imagesPerSecond());
                m.put("gflops", r.imagesPerSecond() * gflopPerImage(config));
                m.put("ms_per_batch", r.msPerBatch());
                m.put("median_ms_per_batch", r.medianMsPerBatch());
                m.put("best_ms_per_batch", r.minMsPerBatch());
                m.put("process_cpu_ms_per_batch", r.cpuMsPerBatch());
                m.put("warmup_passes", r.warmupPasses());
                m.put("iterations", r.iterations());
                m.put("stages_ms", r.stagesMs());
                if (reference) {
                    m.put("reference_images_per_second", r.referenceImagesPerSecond());
                }
                list.add(m);
            }
            root.put("results", list);
            root.put("encoder_native_bytes", nativeBytes);
            root.put("inference_peak_heap_bytes", memory.peakHeap);
            root.put("inference_peak_rss_bytes", memory.peakRss);
            root.put("peak_rss_bytes", peakRssBytes());
            System.out.println(new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root));
        } else {
            System.out.printf("memory while inferring: heap in use at most %s; encoder native memory (weights and buffers)"
                    + " %s; whole process resident at most %s%n", mb(memory.peakHeap), mb(nativeBytes), mb(memory.peakRss));
        }
        return 0;
    }

    /**
     * Untimed passes: exactly {@code count} when given (>= 0), else until {@link #STABLE_PASSES} passes in a row
     * lie within {@link #STABLE_SPREAD} of their median (the JIT has compiled the kernels and the buffers are
     * allocated), at least {@link #MIN_WARMUP}, at most {@link #MAX_WARMUP} or {@link #MAX_WARMUP_SECONDS}.
     * Returns {passes, nanoseconds of the last pass} (the last pass: 0 when none ran).
     */
    private static long[] warmUp(FastVisionEncoder fast, INDArray pixels, int count) {
        long[] recent = new long[STABLE_PASSES];
        long start = System.nanoTime();
        int done = 0;
        long last = 0;
        while (count >= 0 ? done < count : done < MAX_WARMUP) {
            long t0 = System.nanoTime();
            fast.forward(pixels).close();
            last = System.nanoTime() - t0;
            recent[done % STABLE_PASSES] = last;
            done++;
            if (count < 0 && done >= Math.max(MIN_WARMUP, STABLE_PASSES)) {
                long[] r = recent.clone();
                Arrays.sort(r);
                double median = r[STABLE_PASSES / 2];
                if ((r[STABLE_PASSES - 1] - r[0]) <= STABLE_SPREAD * median
                        || System.nanoTime() - start > MAX_WARMUP_SECONDS * 1_000_000_000L) {
                    break;
                }
            }
        }
        if (last == 0) { // no warm-up asked for: one pass tells the automatic iteration count
            long t0 = System.nanoTime();
            fast.forward(pixels).close();
            last = System.nanoTime() - t0;
        }
        return new long[] {done, last};
    }

    /** Milliseconds per pass of each stage, plus the totals "attention" and "mlp". */
    /**
     * Floating-point operations of one forward pass in GFLOP, a multiply-add counted as two: the patch
     * projection, per block the qkv, attention products (QKᵀ and AV), output projection and MLP, and the head.
     * Normalisation, softmax and activations are left out (well under 1% of the total). ViT-B/16 at
     * 224 px: 35.1.
     */
    static double gflopPerImage(VitConfig c) {
        int grid = c.imgSize() / c.patchSize();
        long patches = (long) grid * grid;
        long n = patches + (c.classToken() ? 1 : 0);
        long d = c.embedDim();
        double embed = 2.0 * patches * c.inChans() * c.patchSize() * c.patchSize() * d;
        double block = 2.0 * n * d * 3 * d // qkv
                + 2.0 * 2 * n * n * d       // QKᵀ and AV over all heads
                + 2.0 * n * d * d           // proj
                + 2.0 * 2 * n * d * c.mlpHidden(); // fc1, fc2
        double head = 2.0 * d * Math.max(0, c.numClasses());
        return (embed + c.depth() * block + head) / 1e9;
    }

    private static Map<String, Double> stages(Profile profile, int passes) {
        Map<String, Double> stages = new LinkedHashMap<>();
        double attention = 0;
        double mlp = 0;
        for (Map.Entry<Profile.Stage, Long> e : profile.asMap().entrySet()) {
            double ms = e.getValue() / 1e6 / passes;
            stages.put(e.getKey().label(), ms);
            if (e.getKey().label().startsWith("attention.")) {
                attention += ms;
            } else if (e.getKey().label().startsWith("mlp.")) {
                mlp += ms;
            }
        }
        stages.put("attention", attention);
        stages.put("mlp", mlp);
        return stages;
    }

    private static String mb(long bytes) {
        return bytes < 0 ? "unknown" : String.format("%.0f MB", bytes / 1e6);
    }

    /**
     * Memory of the inference phase: the heap pools' peak use and the process's peak resident size (heap,
     * native memory, code: everything) are reset when inference starts (Linux: writing 5 to
     * /proc/self/clear_refs resets VmHWM), then read after each batch size. ND4J's CPU allocations are not
     * tracked by javacpp, so the native side is the encoder's own count plus what the resident size shows.
     */
    private static final class Memory {
        long peakHeap = -1;
        long peakRss = -1;

        /** Starts the inference phase. */
        Memory() {
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    pool.resetPeakUsage();
                }
            }
            try {
                Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            } catch (IOException | RuntimeException e) {
                // not Linux, or not allowed: the whole process's peak is reported instead
            }
        }

        void sample() {
            long heap = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                    heap += pool.getPeakUsage().getUsed();
                }
            }
            peakHeap = Math.max(peakHeap, heap);
            peakRss = peakRssBytes();
        }
    }

    private static List<Integer> batches(String list) {
        Set<Integer> out = new TreeSet<>();
        for (String s : list.split(",")) {
            try {
                int b = Integer.parseInt(s.trim());
                if (b < 1 || b > 1024) {
                    throw new UsageException("--batch: batch sizes must be 1..1024, got " + b);
                }
                out.add(b);
            } catch (NumberFormatException e) {
                throw new UsageException("--batch expects comma-separated integers like 1,8, got '" + list + "'");
            }
        }
        return new ArrayList<>(out);
    }

    /**
     * Which nd4j-native build is loaded: the folder of the libnd4jcpu library this process mapped (javacpp
     * extracts it to a cache path ending in {@code bindings/<build>/libnd4jcpu.so}), else the first build
     * found on the class path; "unknown" if neither says.
     */
    static String nd4jBuild() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int at = line.indexOf("/libnd4jcpu.");
                if (at > 0) {
                    String dir = line.substring(0, at);
                    return dir.substring(dir.lastIndexOf('/') + 1);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through to the class path
        }
        ClassLoader cl = BenchCommand.class.getClassLoader();
        for (String b : ND4J_BUILDS) {
            String dir = "org/nd4j/linalg/cpu/nativecpu/bindings/" + b + "/";
            if (cl.getResource(dir + "libnd4jcpu.so") != null || cl.getResource(dir + "libnd4jcpu.dylib") != null
                    || cl.getResource(dir + "nd4jcpu.dll") != null) {
                return b;
            }
        }
        return "unknown";
    }

    /**
     * CPU time of the whole process (all threads, native ones included) in nanoseconds, or -1 where the JVM
     * does not say. Divided by the thread count it is what the wall time would be on an idle machine with
     * perfect scaling, which makes it the figure to compare when the machine is shared.
     */
    static long processCpuNanos() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** The process's peak resident set size (Linux /proc/self/status VmHWM), or -1 elsewhere. */
    static long peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    String[] f = line.trim().split("\\s+");
                    return Long.parseLong(f[1]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
