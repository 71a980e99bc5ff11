package dev.vitj.core.fast;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;

/**
 * {@code cblas_sgemm} of the OpenBLAS that nd4j-native bundles (javacpp's {@code openblas_nolapack}), called
 * directly on buffer addresses. vitj's library modules compile against nd4j-api only, so the binding is
 * looked up at run time ({@link MethodHandle}, as fast as a direct call once the JIT has inlined it);
 * {@link #create()} returns null where it is missing (another backend), and {@link Gemm#best()} falls back.
 *
 * <p>Threads: OpenBLAS runs its own pool, sized by ND4J's BLAS thread setting
 * ({@code Nd4j.factory().blas().setMaxThreads}). Its idle threads spin-wait (calling {@code sched_yield})
 * for about 0.1 s after each product before they sleep, so between two products they compete for the cores
 * with the Java kernels. Inside {@link #beginSerial()}..{@link #endSerial()} OpenBLAS is set to one thread
 * and {@link FastOps} splits each product across its own thread team instead (each thread calls this class
 * on its share of the columns); on leaving, the thread count is set back to ND4J's setting.
 * Calls from several threads at once are safe: each thread has its own operand pointers.
 */
public final class OpenBlasGemm implements Gemm {
    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;

    private static final Object SERIAL_LOCK = new Object();
    private static int serialDepth; // sections open across all threads and instances

    private final MethodHandle sgemm;
    private final MethodHandle setThreads; // openblas_set_num_threads(int), or null
    private final MethodHandle configuredThreads; // javacpp's record of ND4J's setting: () -> int
    private final ThreadLocal<Operand[]> operands = ThreadLocal.withInitial(
            () -> new Operand[] {new Operand(), new Operand(), new Operand()});

    /** A float pointer that can be moved to any buffer without allocating (javacpp's address fields are protected). */
    private static final class Operand extends FloatPointer {
        Operand point(NativeBuffer buf, int index) {
            address = buf.address();
            capacity = buf.length();
            limit = buf.length();
            position = index;
            return this;
        }
    }

    private OpenBlasGemm(MethodHandle sgemm, MethodHandle setThreads, MethodHandle configuredThreads) {
        this.sgemm = sgemm;
        this.setThreads = setThreads;
        this.configuredThreads = configuredThreads;
    }

    /** The OpenBLAS binding, or null when the ND4J backend is not the CPU one or the binding is missing. */
    public static OpenBlasGemm create() {
        MethodHandle sgemm;
        try {
            if (!Nd4j.getBackend().getClass().getName().toLowerCase(java.util.Locale.ROOT).contains("cpu")) {
                return null;
            }
            Class<?> blas = Class.forName("org.bytedeco.openblas.global.openblas_nolapack");
            sgemm = MethodHandles.publicLookup().findStatic(blas, "cblas_sgemm",
                    MethodType.methodType(void.class, int.class, int.class, int.class, int.class, int.class, int.class,
                            float.class, FloatPointer.class, int.class, FloatPointer.class, int.class, float.class,
                            FloatPointer.class, int.class));
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return null;
        }
        MethodHandle set = null;
        MethodHandle get = null;
        try {
            // javacpp maps openblas_set_num_threads only through a function-pointer class of its presets
            Class<?> presets = Class.forName("org.bytedeco.openblas.presets.openblas_nolapack");
            Class<?> fp = Class.forName("org.bytedeco.openblas.presets.openblas_nolapack$SetNumThreads");
            Pointer address = Loader.addressof("openblas_set_num_threads");
            if (address != null && !address.isNull()) {
                Constructor<?> ctor = fp.getDeclaredConstructor();
                ctor.setAccessible(true);
                Object setter = ctor.newInstance();
                fp.getMethod("put", Pointer.class).invoke(setter, address);
                set = MethodHandles.publicLookup().findVirtual(fp, "call", MethodType.methodType(void.class, int.class))
                        .bindTo(setter);
                get = MethodHandles.publicLookup().findStatic(presets, "blas_get_num_threads",
                        MethodType.methodType(int.class));
            }
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            set = null; // products still work, only without the serial mode
            get = null;
        }
        return new OpenBlasGemm(sgemm, set, get);
    }

    @Override
    public String name() {
        return "openblas";
    }

    @Override
    public boolean splittable() {
        return setThreads != null;
    }

    @Override
    public void beginSerial() {
        if (setThreads == null) {
            return;
        }
        synchronized (SERIAL_LOCK) {
            if (serialDepth++ == 0) {
                setThreads(1);
            }
        }
    }

    @Override
    public void endSerial() {
        if (setThreads == null) {
            return;
        }
        synchronized (SERIAL_LOCK) {
            if (serialDepth == 0) {
                throw new IllegalStateException("OpenBlasGemm.endSerial without beginSerial");
            }
            if (--serialDepth == 0) {
                setThreads(configuredThreads());
            }
        }
    }

    /** ND4J's BLAS thread setting as javacpp recorded it (this class never changes that record). */
    private int configuredThreads() {
        try {
            int n = (int) configuredThreads.invokeExact();
            return n >= 1 ? n : Runtime.getRuntime().availableProcessors();
        } catch (Throwable t) {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    private void setThreads(int n) {
        try {
            setThreads.invokeExact(n);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("openblas_set_num_threads failed", t);
        }
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     NativeBuffer a, int aOff, int lda, NativeBuffer b, int bOff, int ldb,
                     float beta, NativeBuffer c, int cOff, int ldc) {
        Gemm.check("OpenBlasGemm", transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        Operand[] p = operands.get();
        try {
            sgemm.invokeExact(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k, alpha,
                    (FloatPointer) p[0].point(a, aOff), lda, (FloatPointer) p[1].point(b, bOff), ldb, beta,
                    (FloatPointer) p[2].point(c, cOff), ldc);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cblas_sgemm failed", t);
        }
    }
}
