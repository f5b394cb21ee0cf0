package org.instructgpt.model.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matrix products on Java arrays for the array-based forward and backward passes ({@link KvCacheDecoder},
 * {@link ArrayEngine}): c = a b (+ bias) or c += a b, with both operands read through any pair of strides
 * (so a transposed operand costs no copy). Register-tiled 8 rows by 2 vectors ({@link TileKernels}): on the
 * benchmark machine 160-210 GFLOP/s on one core for training shapes, against 80-90 for libnd4j's OpenBLAS sgemm under
 * the machine's OpenBLAS settings and 177-185 for PyTorch's OpenBLAS at its AVX-512 kernels (docs/benchmarks.md).
 * Every output is the fused-multiply-add chain over k in index order, starting from the bias, zero or the accumulated
 * value, in the vector and the scalar path alike, so results do not depend on the tiling, on which rows fall in a
 * remainder, or on the JIT.
 */
public final class HeapGemm {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final int W = TileKernels.W;
    /** Block of k packed at a time: a panel of b (KC x W floats) stays in L1 while the row tiles pass over it. */
    private static final int KC = 256;
    /** Rows of a packed at a time (MC x KC floats, in L2). */
    private static final int MC = 128;
    /**
     * Remainder columns from which padding them to a whole panel beats the scalar path: from one, since the scalar path
     * runs one FMA chain at a time (the LM head's 3 columns past 256: its product went from 70-80 to 110-140 GFLOP/s).
     */
    private static final int MIN_PADDED = 1;
    private static final ThreadBuffer PANELS = new ThreadBuffer();
    private static final ThreadBuffer TILES = new ThreadBuffer();
    private static final ThreadBuffer REMAINDER = new ThreadBuffer();
    private static final ThreadLocal<int[]> GATHER = ThreadLocal.withInitial(() -> new int[W]);

    /**
     * A weight matrix [k, n] repacked once into column panels of 2 vectors' width, each panel's k rows contiguous, so
     * a few-row product streams the weights sequentially; columns past the last whole panel stay in the row-major copy.
     */
    record Packed(float[] panels, float[] rowMajor, int k, int n) {
        static Packed of(float[] w, int k, int n) {
            int whole = n / W;
            float[] panels = new float[whole * k * W];
            for (int p = 0; p < whole; p++) {
                for (int kk = 0; kk < k; kk++) {
                    System.arraycopy(w, kk * n + p * W, panels, (p * k + kk) * W, W);
                }
            }
            return new Packed(panels, w, k, n);
        }
    }

    /** An operand read as an [m, k] matrix: element (i, p) at {@code data[off + i * rowStride + p * colStride]}. */
    public record Operand(float[] data, int off, int rowStride, int colStride) {
        public static Operand rows(float[] data, int off, int ld) {
            return new Operand(data, off, ld, 1);
        }

        /** The transpose of the row-major matrix at {@code off} with leading dimension {@code ld}. */
        public static Operand transposed(float[] data, int off, int ld) {
            return new Operand(data, off, 1, ld);
        }
    }

    private HeapGemm() {
    }

    /** out[m, n] = a[m, k] w[k, n] + bias[n], w packed. */
    static void multiply(float[] a, int m, Packed w, float[] bias, float[] out) {
        int k = w.k();
        int n = w.n();
        Operand op = Operand.rows(a, 0, k);
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            chunk(op, pc, kc, w.panels(), k * W, pc * W, out, 0, n, m, n / W * W, bias, 0, pc > 0);
        }
        scalarColumns(op, Operand.rows(w.rowMajor(), 0, n), out, 0, n, m, n / W * W, n, k, bias, 0, false);
    }

    /**
     * c[m, n] = a[m, k] b[k, n] (+ bias[biasOff ..]) or, with {@code accumulate}, c += a b; c row-major with leading
     * dimension {@code ldc} from {@code cOff}. Both operands are read through their strides, so a transposed one
     * costs no copy, in blocks of {@value KC} along k: b's block packed as column panels, which the kernel reads
     * sequentially, and a read in place, row-major or transposed (its 8 rows adjacent for each k).
     */
    public static void gemm(Operand a, Operand b, float[] c, int cOff, int ldc, int m, int n, int k, float[] bias,
                            int biasOff, boolean accumulate) {
        int whole = n / W * W;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            float[] panels = PANELS.take(kc * whole);
            packPanels(b, pc, kc, whole, panels);
            chunk(a, pc, kc, panels, kc * W, 0, c, cOff, ldc, m, whole, bias, biasOff, accumulate || pc > 0);
        }
        if (n - whole >= MIN_PADDED && m >= 8) {
            paddedColumns(a, b, c, cOff, ldc, m, whole, n - whole, k, bias, biasOff, accumulate);
        } else {
            scalarColumns(a, b, c, cOff, ldc, m, whole, n, k, bias, biasOff, accumulate);
        }
    }

    /**
     * The last {@code rem} (< W) columns through the vector kernel: b's columns packed into one panel padded with
     * zeros, c's into a W-wide buffer that starts from what each output starts from (its value, the bias or zero)
     * and is accumulated into block by block, so every output is the same FMA chain the scalar path computes. Training
     * with heads of 16 dimensions (attention's products have n = head size) was 4.8 times slower through the scalar
     * path.
     */
    private static void paddedColumns(Operand a, Operand b, float[] c, int cOff, int ldc, int m, int from, int rem,
                                      int k, float[] bias, int biasOff, boolean accumulate) {
        float[] out = REMAINDER.take(m * W);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < W; j++) {
                out[i * W + j] = j >= rem ? 0f : accumulate ? c[cOff + i * ldc + from + j]
                        : bias == null ? 0f : bias[biasOff + from + j];
            }
        }
        float[] bd = b.data();
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            float[] panel = PANELS.take(kc * W);
            for (int p = 0; p < kc; p++) {
                int src = b.off() + (pc + p) * b.rowStride() + from * b.colStride();
                for (int q = 0; q < W; q++) {
                    panel[p * W + q] = q < rem ? bd[src + q * b.colStride()] : 0f;
                }
            }
            chunk(a, pc, kc, panel, kc * W, 0, out, 0, W, m, W, null, 0, true);
        }
        for (int i = 0; i < m; i++) {
            System.arraycopy(out, i * W, c, cOff + i * ldc + from, rem);
        }
    }

    /** One block of k for the first {@code whole} columns: c (+)= a[:, pc:pc+kc] b[pc:pc+kc, :whole]. */
    private static void chunk(Operand a, int pc, int kc, float[] panels, int panelStride, int chunkOff, float[] c,
                              int cOff, int ldc, int m, int whole, float[] bias, int biasOff, boolean accumulate) {
        int m8 = m / 8 * 8;
        // A transposed a is read in place, its tile's 8 values for each k adjacent: packing it into tiles first was
        // slower (2.7% of a training pass at S, 1-9% of the weight gradients' products), as the kernel streams one
        // line per k either way. Only an a with neither stride 1 is packed. Tiles start from c, where
        // TileKernels.start first writes the bias or zero unless the product accumulates.
        boolean pack = a.colStride() != 1 && a.rowStride() != 1;
        for (int ic = 0; ic < m8; ic += MC) {
            int mc = Math.min(MC, m8 - ic);
            float[] tiles = a.data();
            if (pack) {
                tiles = TILES.take(mc * kc);
                packTiles(a, ic, mc, pc, kc, tiles);
            }
            for (int j = 0; j < whole; j += W) {
                int bOff = j / W * panelStride + chunkOff;
                for (int i = 0; i < mc; i += 8) {
                    int co = cOff + (ic + i) * ldc + j;
                    if (!accumulate) {
                        TileKernels.start(c, co, ldc, 8, bias, biasOff + j);
                    }
                    if (pack) {
                        TileKernels.tile8Columns(tiles, i * kc, 8, panels, bOff, c, co, ldc, kc);
                    } else if (a.colStride() == 1) {
                        TileKernels.tile8Rows(tiles, a.off() + (ic + i) * a.rowStride() + pc, a.rowStride(), panels,
                                bOff, c, co, ldc, kc);
                    } else {
                        TileKernels.tile8Columns(tiles, a.off() + ic + i + pc * a.colStride(), a.colStride(), panels,
                                bOff, c, co, ldc, kc);
                    }
                }
            }
        }
        for (int i = m8; i < m; i++) {
            for (int j = 0; j < whole; j += W) {
                int co = cOff + i * ldc + j;
                if (!accumulate) {
                    TileKernels.start(c, co, ldc, 1, bias, biasOff + j);
                }
                tile1(a, i, pc, panels, j / W * panelStride + chunkOff, c, co, kc);
            }
        }
    }

    /**
     * b[pc:pc+kc, 0:whole] as panels of W columns, each [kc][W]. Copied with vectors, not System.arraycopy: a call
     * per 32 floats cost about as much as the copy. A transposed b (a weight read as W^T in the backward pass) is
     * gathered a vector at a time along its rows.
     */
    private static void packPanels(Operand b, int pc, int kc, int whole, float[] dst) {
        float[] bd = b.data();
        int rs = b.rowStride();
        int cs = b.colStride();
        if (cs == 1) {
            for (int j = 0; j < whole; j += W) {
                int at = j / W * kc * W;
                int src = b.off() + pc * rs + j;
                for (int p = 0; p < kc; p++, src += rs, at += W) {
                    FloatVector.fromArray(F, bd, src).intoArray(dst, at);
                    FloatVector.fromArray(F, bd, src + L).intoArray(dst, at + L);
                }
            }
            return;
        }
        int[] lanes = GATHER.get();
        for (int q = 0; q < W; q++) {
            lanes[q] = q * cs;
        }
        for (int j = 0; j < whole; j += W) {
            int at = j / W * kc * W;
            int src = b.off() + pc * rs + j * cs;
            for (int p = 0; p < kc; p++, src += rs, at += W) {
                FloatVector.fromArray(F, bd, src, lanes, 0).intoArray(dst, at);
                FloatVector.fromArray(F, bd, src, lanes, L).intoArray(dst, at + L);
            }
        }
    }

    /** a[ic:ic+mc, pc:pc+kc] as tiles of 8 rows, each [kc][8] (an a with neither stride 1; see chunk). */
    private static void packTiles(Operand a, int ic, int mc, int pc, int kc, float[] dst) {
        float[] ad = a.data();
        int rs = a.rowStride();
        int cs = a.colStride();
        for (int i = 0; i < mc; i += 8) {
            int base = i * kc;
            int row0 = a.off() + (ic + i) * rs + pc * cs;
            for (int r = 0; r < 8; r++) {
                int src = row0 + r * rs;
                for (int p = 0; p < kc; p++) {
                    dst[base + p * 8 + r] = ad[src + p * cs];
                }
            }
        }
    }

    private static void scalarColumns(Operand a, Operand b, float[] c, int cOff, int ldc, int m, int from, int n, int k,
                                      float[] bias, int biasOff, boolean accumulate) {
        float[] ad = a.data();
        float[] bd = b.data();
        for (int i = 0; i < m; i++) {
            int ai = a.off() + i * a.rowStride();
            for (int j = from; j < n; j++) {
                int at = cOff + i * ldc + j;
                int bj = b.off() + j * b.colStride();
                float acc = accumulate ? c[at] : bias == null ? 0f : bias[biasOff + j];
                for (int p = 0; p < k; p++) {
                    acc = Math.fma(ad[ai + p * a.colStride()], bd[bj + p * b.rowStride()], acc);
                }
                c[at] = acc;
            }
        }
    }

    /** One row's two vectors, accumulated into c like the 8-row tiles. */
    private static void tile1(Operand a, int i, int pc, float[] b, int bOff, float[] c, int co, int k) {
        FloatVector c0 = FloatVector.fromArray(F, c, co);
        FloatVector c1 = FloatVector.fromArray(F, c, co + L);
        float[] ad = a.data();
        int cs = a.colStride();
        int ai = a.off() + i * a.rowStride() + pc * cs;
        int bo = bOff;
        for (int p = 0; p < k; p++) {
            FloatVector x = FloatVector.broadcast(F, ad[ai + p * cs]);
            c0 = x.fma(FloatVector.fromArray(F, b, bo), c0);
            c1 = x.fma(FloatVector.fromArray(F, b, bo + L), c1);
            bo += W;
        }
        c0.intoArray(c, co);
        c1.intoArray(c, co + L);
    }
}
