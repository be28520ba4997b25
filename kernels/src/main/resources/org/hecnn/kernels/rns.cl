/*
 * rns.cl: RNS polynomial kernels for hecnn, one source for OpenCL C 1.2 and CUDA (through hecnn_compat.h).
 *
 * Every kernel reproduces org.hecnn.backend.host.HostEngine with ScalarLimbKernels bit for bit: the same
 * Barrett reduction as Modulus.reduceProduct, the same Shoup products as Modulus.mulShoupLazy, the same
 * lazy Harvey butterflies as org.hecnn.ring.Ntt, and canonical residues in [0, q) at every kernel boundary
 * except between the passes of one NTT (which keep Ntt's lazy ranges, below 4q forward and 2q inverse).
 *
 * Memory layout (all u64):
 *   polynomial    [limb][N]; limb i of a polynomial over Q_l P has modulus index i < qLimbs ? i : qCount + i - qLimbs
 *   mods          [modulus index][MOD_STRIDE]: q, Barrett mu = floor(2^(2 bits) / q), bits, floor(2^64 / q),
 *                 N^-1 mod q, its Shoup companion
 *   tw            [modulus index][4][N]: forward twiddles, their Shoup companions, inverse twiddles, companions
 *                 (exactly NttTable's arrays)
 *   rows          [row][ROW_STRIDE] ints describing which limb an NTT work-group row transforms (see ROW_*)
 *
 * Launch geometry: GROUP_ID_Y is the limb (or row), GROUP_ID_X * LOCAL_SIZE_X + LOCAL_ID_X the coefficient.
 */

#define MOD_STRIDE 8
#define MOD_Q 0
#define MOD_MU 1
#define MOD_BITS 2
#define MOD_ONE_SHOUP 3
#define MOD_NINV 4
#define MOD_NINV_SHOUP 5

/* Row descriptor of the batched NTT kernels. */
#define ROW_STRIDE 8
#define ROW_DST 0         /* limb offset in dst (added to dstBase) */
#define ROW_MOD 1         /* modulus index */
#define ROW_SRC 2         /* limb offset in src (added to srcBase), LOAD_SRC */
#define ROW_AUX 3         /* first limb in aux (added to auxBase), LOAD_CONVERT / LOAD_CENTERED */
#define ROW_AUX_COUNT 4   /* LOAD_CONVERT: number of source limbs; LOAD_CENTERED: source modulus index */
#define ROW_LOAD_CONST 5  /* offset in consts of the loader's constants */
#define ROW_X 6           /* limb offset in x (added to xBase), STORE_SUBSCALE */
#define ROW_STORE_CONST 7 /* offset in consts of (c, cShoup) for STORE_SUBSCALE / STORE_SCALE_ROW */

#define LOAD_SRC 0        /* tile = src row */
#define LOAD_INPLACE 1    /* tile = dst row */
#define LOAD_CONVERT 2    /* tile = centred basis conversion of aux[row .. row + count) (canonical) */
#define LOAD_CENTERED 3   /* tile = centred aux row modulo another prime, reduced modulo q (rescale) */

#define STORE_LAZY 0      /* between passes: keep Ntt's lazy range */
#define STORE_CANONICAL 1 /* forward: [0, q) */
#define STORE_SUBSCALE 2  /* forward: (x - canonical) * c mod q */
#define STORE_SCALE_N 1   /* inverse: times N^-1, [0, q) */
#define STORE_SCALE_ROW 2 /* inverse: times the row constant (N^-1 folded with another factor), [0, q) */

/* ---------------------------------------------------------------------------------------------------- */
/* Modular arithmetic, exactly as org.hecnn.ring.Modulus                                                  */
/* ---------------------------------------------------------------------------------------------------- */

DEVICE u64 mod_add(u64 a, u64 b, u64 q) {
    u64 s = a + b;
    return s >= q ? s - q : s;
}

DEVICE u64 mod_sub(u64 a, u64 b, u64 q) {
    return a >= b ? a - b : a - b + q;
}

DEVICE u64 mod_neg(u64 a, u64 q) {
    return a == 0 ? 0 : q - a;
}

/* Modulus.mulShoupLazy: a*w mod q in [0, 2q) for a < 2^63. */
DEVICE u64 shoup_lazy(u64 a, u64 w, u64 ws, u64 q) {
    return a * w - MULHI64(a, ws) * q;
}

/* Modulus.mulShoup: [0, q). */
DEVICE u64 shoup_mul(u64 a, u64 w, u64 ws, u64 q) {
    u64 r = a * w - MULHI64(a, ws) * q;
    return r >= q ? r - q : r;
}

/* Modulus.reduceProduct: hi*2^64 + lo < 4 q^2 into [0, q) (Barrett with mu = floor(2^(2 bits) / q)). */
DEVICE u64 barrett_reduce(u64 hi, u64 lo, u64 q, u64 mu, int bits) {
    int shift = bits - 1;
    u64 x1 = (hi << (64 - shift)) | (lo >> shift);
    u64 pHi = MULHI64(x1, mu);
    u64 pLo = x1 * mu;
    u64 quotient = (pHi << (63 - bits)) | (pLo >> (bits + 1));
    u64 r = lo - quotient * q;
    while (r >= q) {
        r -= q;
    }
    return r;
}

/* Modulus.mul */
DEVICE u64 mod_mul(u64 a, u64 b, u64 q, u64 mu, int bits) {
    return barrett_reduce(MULHI64(a, b), a * b, q, mu, bits);
}

/* ScalarLimbKernels.multiplyAdd: acc + a*b with one reduction. */
DEVICE u64 mod_mul_add(u64 a, u64 b, u64 acc, u64 q, u64 mu, int bits) {
    u64 lo = a * b;
    u64 hi = MULHI64(a, b);
    u64 sum = lo + acc;
    if (sum < lo) {
        hi++;
    }
    return barrett_reduce(hi, sum, q, mu, bits);
}

DEVICE int limb_modulus(int limb, int split, int off1) {
    return limb < split ? limb : limb - split + off1;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Element-wise kernels over all limbs: grid (N / LOCAL_SIZE_X, limbs)                                    */
/* ---------------------------------------------------------------------------------------------------- */

#define EW_PROLOGUE                                                                                     \
    int limb = GROUP_ID_Y;                                                                              \
    size_t idx = ((size_t) limb << logN) + (size_t) (GROUP_ID_X * LOCAL_SIZE_X + LOCAL_ID_X);           \
    GLOBAL const u64* md = mods + MOD_STRIDE * limb_modulus(limb, split, off1);                          \
    u64 q = md[MOD_Q];

KERNEL ew_add(GLOBAL u64* out, GLOBAL const u64* a, GLOBAL const u64* b, GLOBAL const u64* mods,
              int logN, int split, int off1) {
    EW_PROLOGUE
    out[idx] = mod_add(a[idx], b[idx], q);
}

KERNEL ew_sub(GLOBAL u64* out, GLOBAL const u64* a, GLOBAL const u64* b, GLOBAL const u64* mods,
              int logN, int split, int off1) {
    EW_PROLOGUE
    out[idx] = mod_sub(a[idx], b[idx], q);
}

KERNEL ew_neg(GLOBAL u64* out, GLOBAL const u64* a, GLOBAL const u64* mods, int logN, int split, int off1) {
    EW_PROLOGUE
    out[idx] = mod_neg(a[idx], q);
}

KERNEL ew_mul(GLOBAL u64* out, GLOBAL const u64* a, GLOBAL const u64* b, GLOBAL const u64* mods,
              int logN, int split, int off1) {
    EW_PROLOGUE
    out[idx] = mod_mul(a[idx], b[idx], q, md[MOD_MU], (int) md[MOD_BITS]);
}

/* acc += a * b */
KERNEL ew_mul_add(GLOBAL u64* acc, GLOBAL const u64* a, GLOBAL const u64* b, GLOBAL const u64* mods,
                  int logN, int split, int off1) {
    EW_PROLOGUE
    acc[idx] = mod_mul_add(a[idx], b[idx], acc[idx], q, md[MOD_MU], (int) md[MOD_BITS]);
}

/* out = a * c[limb]; c holds the constants of all limbs followed by their Shoup companions. */
KERNEL ew_mul_const(GLOBAL u64* out, GLOBAL const u64* a, GLOBAL const u64* c, GLOBAL const u64* mods,
                    int logN, int split, int off1, int limbs) {
    EW_PROLOGUE
    out[idx] = shoup_mul(a[idx], c[limb], c[limbs + limb], q);
}

/* acc += a * c[limb] */
KERNEL ew_mul_const_add(GLOBAL u64* acc, GLOBAL const u64* a, GLOBAL const u64* c, GLOBAL const u64* mods,
                        int logN, int split, int off1, int limbs) {
    EW_PROLOGUE
    acc[idx] = mod_add(acc[idx], shoup_mul(a[idx], c[limb], c[limbs + limb], q), q);
}

/* out = a + c[limb] */
KERNEL ew_add_const(GLOBAL u64* out, GLOBAL const u64* a, GLOBAL const u64* c, GLOBAL const u64* mods,
                    int logN, int split, int off1, int limbs) {
    EW_PROLOGUE
    out[idx] = mod_add(a[idx], c[limb], q);
}

/* out[limb][k] = x[k] mod q for signed 32-bit x, as Modulus.reduceSigned (a plaintext kept as integers). */
KERNEL ew_reduce_int(GLOBAL u64* out, GLOBAL const int* x, GLOBAL const u64* mods, int logN, int split, int off1) {
    EW_PROLOGUE
    int v = x[GROUP_ID_X * LOCAL_SIZE_X + LOCAL_ID_X];
    u64 magnitude = v >= 0 ? (u64) v : (u64) (-(v + 1)) + 1;
    u64 r = shoup_mul(magnitude, 1, md[MOD_ONE_SHOUP], q);
    out[idx] = v >= 0 ? r : mod_neg(r, q);
}

/* d0 = a0 b0, d1 = a0 b1 + a1 b0, d2 = a1 b1 (outputs may alias inputs: each thread reads before it writes). */
KERNEL ew_tensor(GLOBAL u64* d0, GLOBAL u64* d1, GLOBAL u64* d2,
                 GLOBAL const u64* a0, GLOBAL const u64* a1, GLOBAL const u64* b0, GLOBAL const u64* b1,
                 GLOBAL const u64* mods, int logN, int split, int off1, int square) {
    EW_PROLOGUE
    u64 mu = md[MOD_MU];
    int bits = (int) md[MOD_BITS];
    u64 t0 = a0[idx];
    u64 t1 = a1[idx];
    if (square) {
        u64 m = mod_mul(t0, t1, q, mu, bits);
        d1[idx] = mod_add(m, m, q);
        d0[idx] = mod_mul(t0, t0, q, mu, bits);
        d2[idx] = mod_mul(t1, t1, q, mu, bits);
    } else {
        u64 u0 = b0[idx];
        u64 u1 = b1[idx];
        d1[idx] = mod_mul_add(t1, u0, mod_mul(t0, u1, q, mu, bits), q, mu, bits);
        d0[idx] = mod_mul(t0, u0, q, mu, bits);
        d2[idx] = mod_mul(t1, u1, q, mu, bits);
    }
}

/* out[limb][k] = a[limb][perm[k]]: NTT-domain Galois automorphism (out must not alias a). */
KERNEL ew_permute(GLOBAL u64* out, GLOBAL const u64* a, GLOBAL const int* perm, int logN) {
    int limb = GROUP_ID_Y;
    int k = GROUP_ID_X * LOCAL_SIZE_X + LOCAL_ID_X;
    size_t base = (size_t) limb << logN;
    out[base + k] = a[base + perm[k]];
}

/*
 * Key-switching inner product with accumulation, both key halves at once, the Galois permutation fused into
 * the digit reads: acc[h][t][k] = sum_j D[j][t][perm[k]] * key[h][j][keyLimb(t)][k] mod q_t for h = 0 (b), 1 (a).
 * D is [digits][width][N] over Q_l P (width = ql + K); key is [2][keyDigits][keyQ + K][N], a key that may be
 * truncated to its first keyQ data limbs (keyQ >= ql; digits beyond those of D are unused at lower levels);
 * acc is [2][width][N].
 * Grid (N / LOCAL_SIZE_X, width).
 */
KERNEL ks_inner_product(GLOBAL u64* acc, GLOBAL const u64* d, GLOBAL const u64* key, GLOBAL const int* perm,
                        GLOBAL const u64* mods, int logN, int ql, int qCount, int width, int digits,
                        int keyDigits, int keyQ, int keyLimbs, int usePerm) {
    int t = GROUP_ID_Y;
    int k = GROUP_ID_X * LOCAL_SIZE_X + LOCAL_ID_X;
    int m = limb_modulus(t, ql, qCount);
    int km = limb_modulus(t, ql, keyQ);
    GLOBAL const u64* md = mods + MOD_STRIDE * m;
    u64 q = md[MOD_Q];
    u64 mu = md[MOD_MU];
    int bits = (int) md[MOD_BITS];
    size_t n = (size_t) 1 << logN;
    int src = usePerm ? perm[k] : k;
    u64 s0 = 0;
    u64 s1 = 0;
    for (int j = 0; j < digits; j++) {
        u64 x = d[((size_t) j * width + t) * n + src];
        size_t kb = ((size_t) j * keyLimbs + km) * n + k;
        s0 = mod_mul_add(x, key[kb], s0, q, mu, bits);
        s1 = mod_mul_add(x, key[(size_t) keyDigits * keyLimbs * n + kb], s1, q, mu, bits);
    }
    acc[(size_t) t * n + k] = s0;
    acc[((size_t) width + t) * n + k] = s1;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Batched negacyclic NTT: one launch per pass of up to HECNN_TILE_LOG butterfly stages over all rows.    */
/*                                                                                                       */
/* A pass covers stages s0 .. s0+k-1. A work-group owns 2^k * R elements (R = 2^logR consecutive indices */
/* for each of the 2^k positions the k stages mix), loads them into local memory, runs the k stages with  */
/* a barrier between stages, and writes them back. Grid (N / 2^(k + logR), rows).                         */
/* ---------------------------------------------------------------------------------------------------- */

/*
 * Forward (Cooley-Tukey, Harvey's lazy butterflies as org.hecnn.ring.Ntt.forward). Stage s has half-span
 * t = N >> (s+1) and twiddle index 2^s + j / (2t). Element (c, r) of the tile has global index
 * base + c * 2^lowBits + r with lowBits = logN - s0 - k.
 */
KERNEL ntt_forward(GLOBAL u64* dst, GLOBAL const u64* src, GLOBAL const u64* aux, GLOBAL const u64* xin,
                   GLOBAL const int* rows, GLOBAL const u64* consts, GLOBAL const u64* tw, GLOBAL const u64* mods,
                   int logN, int s0, int k, int logR, int loadMode, int storeMode,
                   int dstBase, int srcBase, int auxBase, int xBase) {
    LOCAL u64 tile[HECNN_TILE];
    GLOBAL const int* rd = rows + ROW_STRIDE * GROUP_ID_Y;
    int m = rd[ROW_MOD];
    GLOBAL const u64* md = mods + MOD_STRIDE * m;
    u64 q = md[MOD_Q];
    u64 twoQ = q << 1;
    size_t n = (size_t) 1 << logN;
    int lowBits = logN - s0 - k;
    int rbBits = lowBits - logR;
    int gx = GROUP_ID_X;
    int h = gx >> rbBits;
    size_t base = ((size_t) h << (logN - s0)) + ((size_t) (gx & ((1 << rbBits) - 1)) << logR);
    int rMask = (1 << logR) - 1;
    int tileSize = 1 << (k + logR);
    int lid = LOCAL_ID_X;
    int wg = LOCAL_SIZE_X;
    GLOBAL u64* out = dst + (size_t) (dstBase + rd[ROW_DST]) * n;

    if (loadMode == LOAD_SRC || loadMode == LOAD_INPLACE) {
        GLOBAL const u64* in = loadMode == LOAD_SRC ? src + (size_t) (srcBase + rd[ROW_SRC]) * n : out;
        for (int e = lid; e < tileSize; e += wg) {
            size_t idx = base + ((size_t) (e >> logR) << lowBits) + (size_t) (e & rMask);
            tile[e] = in[idx];
        }
    } else if (loadMode == LOAD_CONVERT) {
        /*
         * Centred basis conversion (ScalarLimbKernels.conversionQuotients + linearCombination) fused into the
         * NTT's first pass: v = floor(sum_i (double) y_i * (1/q_i) + 0.5) with plain IEEE multiplications and
         * additions in source order, then sum_i y_i * c_i + corrections[v] mod q.
         * Constants at ROW_LOAD_CONST: c[count], cShoup[count], 1/q_i as double bits[count], corrections[count+1].
         */
        GLOBAL const u64* in = aux + (size_t) (auxBase + rd[ROW_AUX]) * n;
        int count = rd[ROW_AUX_COUNT];
        GLOBAL const u64* c = consts + rd[ROW_LOAD_CONST];
        GLOBAL const u64* inv = c + 2 * count;
        GLOBAL const u64* corr = c + 3 * count;
        for (int e = lid; e < tileSize; e += wg) {
            size_t idx = base + ((size_t) (e >> logR) << lowBits) + (size_t) (e & rMask);
            u64 acc = 0;
            double sum = 0.0;
            for (int i = 0; i < count; i++) {
                u64 y = in[(size_t) i * n + idx];
                sum = DADD_RN(sum, DMUL_RN(U64_TO_DOUBLE(y), AS_DOUBLE(inv[i])));
                acc += shoup_lazy(y, c[i], c[count + i], q);
                if (acc >= twoQ) {
                    acc -= twoQ;
                }
            }
            int v = (int) floor(DADD_RN(sum, 0.5));
            acc += corr[v];
            if (acc >= twoQ) {
                acc -= twoQ;
            }
            tile[e] = acc >= q ? acc - q : acc;
        }
    } else {
        /* LOAD_CENTERED: ScalarLimbKernels.reduceCentered from modulus ROW_AUX_COUNT to this row's. */
        GLOBAL const u64* in = aux + (size_t) (auxBase + rd[ROW_AUX]) * n;
        u64 halfFrom = mods[MOD_STRIDE * rd[ROW_AUX_COUNT] + MOD_Q] >> 1;
        u64 fromModTo = consts[rd[ROW_LOAD_CONST]];
        u64 oneShoup = md[MOD_ONE_SHOUP];
        for (int e = lid; e < tileSize; e += wg) {
            size_t idx = base + ((size_t) (e >> logR) << lowBits) + (size_t) (e & rMask);
            u64 x = in[idx];
            u64 r = shoup_mul(x, 1, oneShoup, q);
            tile[e] = x > halfFrom ? mod_sub(r, fromModTo, q) : r;
        }
    }
    LOCAL_BARRIER();

    GLOBAL const u64* w = tw + (size_t) m * 4 * n;
    GLOBAL const u64* ws = w + n;
    int butterflies = tileSize >> 1;
    for (int ls = 0; ls < k; ls++) {
        int sh = k - 1 - ls;
        int twBase = (1 << (s0 + ls)) + (h << ls);
        for (int b = lid; b < butterflies; b += wg) {
            int cb = b >> logR;
            int grp = cb >> sh;
            int i1 = ((((grp << 1) << sh) + (cb & ((1 << sh) - 1))) << logR) + (b & rMask);
            int i2 = i1 + (1 << (sh + logR));
            u64 wi = w[twBase + grp];
            u64 wsi = ws[twBase + grp];
            u64 x = tile[i1];
            if (x >= twoQ) {
                x -= twoQ;
            }
            u64 y = tile[i2];
            u64 p = y * wi - MULHI64(y, wsi) * q;
            tile[i1] = x + p;
            tile[i2] = x - p + twoQ;
        }
        LOCAL_BARRIER();
    }

    if (storeMode == STORE_LAZY) {
        for (int e = lid; e < tileSize; e += wg) {
            size_t idx = base + ((size_t) (e >> logR) << lowBits) + (size_t) (e & rMask);
            out[idx] = tile[e];
        }
    } else if (storeMode == STORE_CANONICAL) {
        for (int e = lid; e < tileSize; e += wg) {
            size_t idx = base + ((size_t) (e >> logR) << lowBits) + (size_t) (e & rMask);
            u64 v = tile[e];
            if (v >= twoQ) {
                v -= twoQ;
            }
            out[idx] = v >= q ? v - q : v;
        }
    } else {
        /* STORE_SUBSCALE: ScalarLimbKernels.subtractAndScale(x, ntt, c) fused into the last pass. */
        GLOBAL const u64* x = xin + (size_t) (xBase + rd[ROW_X]) * n;
        u64 c = consts[rd[ROW_STORE_CONST]];
        u64 cs = consts[rd[ROW_STORE_CONST] + 1];
        for (int e = lid; e < tileSize; e += wg) {
            size_t idx = base + ((size_t) (e >> logR) << lowBits) + (size_t) (e & rMask);
            u64 v = tile[e];
            if (v >= twoQ) {
                v -= twoQ;
            }
            if (v >= q) {
                v -= q;
            }
            out[idx] = shoup_mul(mod_sub(x[idx], v, q), c, cs, q);
        }
    }
}

/*
 * Inverse (Gentleman-Sande as org.hecnn.ring.Ntt.inverse). Stage s has half-span t = 2^s and twiddle index
 * (N >> (s+1)) + j / (2t). Element (c, r) of the tile has global index base + c * 2^s0 + r.
 */
KERNEL ntt_inverse(GLOBAL u64* dst, GLOBAL const u64* src, GLOBAL const int* rows, GLOBAL const u64* consts,
                   GLOBAL const u64* tw, GLOBAL const u64* mods, int logN, int s0, int k, int logR,
                   int loadMode, int storeMode, int dstBase, int srcBase) {
    LOCAL u64 tile[HECNN_TILE];
    GLOBAL const int* rd = rows + ROW_STRIDE * GROUP_ID_Y;
    int m = rd[ROW_MOD];
    GLOBAL const u64* md = mods + MOD_STRIDE * m;
    u64 q = md[MOD_Q];
    u64 twoQ = q << 1;
    size_t n = (size_t) 1 << logN;
    int rbBits = s0 - logR;
    int gx = GROUP_ID_X;
    int h = gx >> rbBits;
    size_t base = ((size_t) h << (s0 + k)) + ((size_t) (gx & ((1 << rbBits) - 1)) << logR);
    int rMask = (1 << logR) - 1;
    int tileSize = 1 << (k + logR);
    int lid = LOCAL_ID_X;
    int wg = LOCAL_SIZE_X;
    GLOBAL u64* out = dst + (size_t) (dstBase + rd[ROW_DST]) * n;
    GLOBAL const u64* in = loadMode == LOAD_SRC ? src + (size_t) (srcBase + rd[ROW_SRC]) * n : out;

    for (int e = lid; e < tileSize; e += wg) {
        size_t idx = base + ((size_t) (e >> logR) << s0) + (size_t) (e & rMask);
        tile[e] = in[idx];
    }
    LOCAL_BARRIER();

    GLOBAL const u64* w = tw + ((size_t) m * 4 + 2) * n;
    GLOBAL const u64* ws = w + n;
    int butterflies = tileSize >> 1;
    for (int ls = 0; ls < k; ls++) {
        int twBase = (int) (n >> (s0 + ls + 1)) + (h << (k - ls - 1));
        for (int b = lid; b < butterflies; b += wg) {
            int cb = b >> logR;
            int grp = cb >> ls;
            int i1 = ((((grp << 1) << ls) + (cb & ((1 << ls) - 1))) << logR) + (b & rMask);
            int i2 = i1 + (1 << (ls + logR));
            u64 wi = w[twBase + grp];
            u64 wsi = ws[twBase + grp];
            u64 x = tile[i1];
            u64 y = tile[i2];
            u64 u = x + y;
            if (u >= twoQ) {
                u -= twoQ;
            }
            u64 v = x - y + twoQ;
            tile[i1] = u;
            tile[i2] = v * wi - MULHI64(v, wsi) * q;
        }
        LOCAL_BARRIER();
    }

    if (storeMode == STORE_LAZY) {
        for (int e = lid; e < tileSize; e += wg) {
            size_t idx = base + ((size_t) (e >> logR) << s0) + (size_t) (e & rMask);
            out[idx] = tile[e];
        }
    } else {
        u64 c = storeMode == STORE_SCALE_N ? md[MOD_NINV] : consts[rd[ROW_STORE_CONST]];
        u64 cs = storeMode == STORE_SCALE_N ? md[MOD_NINV_SHOUP] : consts[rd[ROW_STORE_CONST] + 1];
        for (int e = lid; e < tileSize; e += wg) {
            size_t idx = base + ((size_t) (e >> logR) << s0) + (size_t) (e & rMask);
            out[idx] = shoup_mul(tile[e], c, cs, q);
        }
    }
}
