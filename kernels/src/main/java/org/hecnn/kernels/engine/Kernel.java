package org.hecnn.kernels.engine;

/** The entry points of {@code rns.cl}, in the order and with the argument lists the source declares. */
public enum Kernel {
    EW_ADD("ew_add"),
    EW_SUB("ew_sub"),
    EW_NEG("ew_neg"),
    EW_MUL("ew_mul"),
    EW_MUL_ADD("ew_mul_add"),
    EW_MUL_CONST("ew_mul_const"),
    EW_MUL_CONST_ADD("ew_mul_const_add"),
    EW_ADD_CONST("ew_add_const"),
    EW_REDUCE_INT("ew_reduce_int"),
    EW_TENSOR("ew_tensor"),
    EW_PERMUTE("ew_permute"),
    KS_INNER_PRODUCT("ks_inner_product"),
    NTT_FORWARD("ntt_forward"),
    NTT_INVERSE("ntt_inverse");

    private final String entry;

    Kernel(String entry) {
        this.entry = entry;
    }

    /** The kernel's function name in the source. */
    public String entry() {
        return entry;
    }
}
