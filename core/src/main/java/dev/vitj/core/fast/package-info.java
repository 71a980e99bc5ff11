/**
 * The fast inference engine shared by the fast ViT and CLIP encoders ({@code dev.vitj.vit.fast},
 * {@code dev.vitj.clip.fast}): a separate path beside the readable modules, which it reads once and then
 * leaves alone.
 *
 * <ul>
 *   <li>{@link dev.vitj.core.fast.NativeBuffer}: off-heap floats that BLAS and the Java kernels share;</li>
 *   <li>{@link dev.vitj.core.fast.Gemm}: matrix products on strided sub-matrices of buffers, through
 *       OpenBLAS directly ({@link dev.vitj.core.fast.OpenBlasGemm}) or ND4J
 *       ({@link dev.vitj.core.fast.Nd4jGemm});</li>
 *   <li>{@link dev.vitj.core.fast.Workers}: a small fixed thread team that does all the work of a pass;</li>
 *   <li>{@link dev.vitj.core.fast.FastOps}: the fused kernels applied to buffer rows and the matrix products
 *       split by columns, both across that team (BLAS runs single-threaded inside it, so no second pool of
 *       threads spin-waits beside the Java kernels);</li>
 *   <li>{@link dev.vitj.core.fast.FastTransformer}: a compiled stack of encoder blocks with its
 *       preallocated {@link dev.vitj.core.fast.FastTransformer.Workspace};</li>
 *   <li>{@link dev.vitj.core.fast.Profile}: time per stage.</li>
 * </ul>
 *
 * Everything is float32 and CPU-only (the buffers must be host memory).
 */
package dev.vitj.core.fast;
