package dev.vitj.core.fast;

/**
 * The weight {@code W [out, in]} of a linear layer {@code y = x·Wᵀ + b} as the fast path uses it: a native copy
 * for BLAS, and, made on first use by a product with few rows ({@link FastOps#linear}), the same numbers on the
 * Java heap in column panels for the kernels' {@code panelBlock}:
 * <pre>
 *   panel p, step q, lane j  =  W[p·width + j][q]      // float[out/width][in·width], zero past out
 * </pre>
 * so a product streams each panel front to back once. BLAS packs (copies) the weight block on every call,
 * which dominates when there are only ~5-50 rows; the panels are that packing done once. They double the
 * weight's memory, so they are only made when needed (the text tower on one prompt, not a ViT on 197 tokens).
 */
public final class LinearWeight implements AutoCloseable {
    private final NativeBuffer weight;
    private final int out;
    private final int in;
    private float[][] panels; // made on demand; guarded by this
    private int panelWidth;

    /** Takes ownership of {@code weight}, {@code out·in} floats, row-major {@code [out, in]}. */
    public LinearWeight(NativeBuffer weight, int out, int in) {
        if (weight == null || out <= 0 || in <= 0 || weight.length() != (long) out * in
                || (long) out * in > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("LinearWeight: expected " + out + "x" + in + " floats, got "
                    + (weight == null ? "null" : weight.length()));
        }
        this.weight = weight;
        this.out = out;
        this.in = in;
    }

    /** The native copy, row-major {@code [out, in]}. */
    public NativeBuffer buffer() {
        return weight;
    }

    /** Output features (rows of W). */
    public int out() {
        return out;
    }

    /** Input features (columns of W). */
    public int in() {
        return in;
    }

    /** The panels of {@code width} columns of Wᵀ, made on the first call (and again if the width changes). */
    synchronized float[][] panels(int width) {
        if (width <= 0) {
            throw new IllegalArgumentException("LinearWeight: panel width must be positive, got " + width);
        }
        if (panels == null || panelWidth != width) {
            int count = (out + width - 1) / width;
            float[][] p = new float[count][in * width];
            float[] row = new float[in];
            for (int r = 0; r < out; r++) {
                weight.get(r * in, row, 0, in); // out·in < 2³¹, checked in the constructor
                float[] panel = p[r / width];
                int lane = r % width;
                for (int q = 0; q < in; q++) {
                    panel[q * width + lane] = row[q];
                }
            }
            panels = p;
            panelWidth = width;
        }
        return panels;
    }

    /** Heap bytes of the panels (0 until a product with few rows has used them). */
    public synchronized long panelBytes() {
        return panels == null ? 0 : 4L * panels.length * panels[0].length;
    }

    /** Frees the native copy now and drops the panels. */
    @Override
    public synchronized void close() {
        weight.close();
        panels = null;
    }
}
