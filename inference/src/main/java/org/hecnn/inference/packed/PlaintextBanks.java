package org.hecnn.inference.packed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.hecnn.ckks.CkksEncoder;
import org.hecnn.io.CoefficientBankCodec;
import org.hecnn.io.CoefficientBankReader;

/**
 * Makes the plaintext banks of one network as its compiler asks for them, numbered in that order, all kept as one
 * {@link PlaintextBank.Mode} says: either encoding their plaintexts, or filling them from compiled plaintexts read
 * back in the same order ({@link CompiledPlaintexts}). One compilation uses one instance, from one thread (the banks
 * it makes may encode on all cores).
 */
public final class PlaintextBanks {
    private final PlaintextBank.Mode mode;
    private final CoefficientBankReader source;
    private final List<PlaintextBank> made = new ArrayList<>();
    /**
     * Loading: the banks as a helper thread reads them ahead, in order, while the compiler builds the layers (the
     * file is read beside the work that does not need it).
     */
    private final java.util.concurrent.CompletableFuture<CoefficientBankCodec.Bank>[] ahead;
    private final Thread readingAhead;
    private int read;

    private PlaintextBanks(PlaintextBank.Mode mode, CoefficientBankReader source) {
        this.mode = mode;
        this.source = source;
        @SuppressWarnings("unchecked")
        java.util.concurrent.CompletableFuture<CoefficientBankCodec.Bank>[] futures =
                new java.util.concurrent.CompletableFuture[source == null ? 0 : source.banks()];
        for (int b = 0; b < futures.length; b++) {
            futures[b] = new java.util.concurrent.CompletableFuture<>();
        }
        ahead = futures;
        if (source == null) {
            readingAhead = null;
            return;
        }
        readingAhead = Thread.ofPlatform().daemon().name("hecnn-compiled-plaintexts").start(this::readAhead);
    }

    /**
     * The helper thread: reads every bank in order, handing each (or the error that stopped it) to its future. It
     * touches only futures not yet completed, which the compiling thread does not clear.
     */
    private void readAhead() {
        java.util.concurrent.CompletableFuture<CoefficientBankCodec.Bank>[] futures = ahead.clone();
        for (int b = 0; b < futures.length; b++) {
            if (Thread.currentThread().isInterrupted()) {
                futures[b].cancel(false);
                continue;
            }
            try {
                futures[b].complete(source.next());
            } catch (IOException | RuntimeException e) {
                for (int rest = b; rest < futures.length; rest++) {
                    futures[rest].completeExceptionally(e);
                }
                return;
            }
        }
    }

    /** Banks that encode their own plaintexts and keep them as {@code mode} says. */
    public static PlaintextBanks encoding(PlaintextBank.Mode mode) {
        return new PlaintextBanks(mode, null);
    }

    /**
     * Banks filled from {@code source}, whose index was checked against the network's binding, kept as {@code mode}
     * says (NTT or COEFFICIENTS).
     */
    static PlaintextBanks loading(PlaintextBank.Mode mode, CoefficientBankReader source) {
        if (mode != PlaintextBank.Mode.NTT && mode != PlaintextBank.Mode.COEFFICIENTS) {
            throw new IllegalArgumentException("compiled plaintexts are kept in NTT form or as coefficients, not "
                    + mode);
        }
        return new PlaintextBanks(mode, source);
    }

    public PlaintextBank.Mode mode() {
        return mode;
    }

    /** A new bank of plaintexts at {@code level} with {@code scale}. */
    public PlaintextBank create(CkksEncoder encoder, int level, double scale) {
        int index = made.size();
        PlaintextBank bank = new PlaintextBank(encoder, level, scale, mode, source == null ? null
                : new Stored(index));
        made.add(bank);
        return bank;
    }

    /** Every bank made so far, in order. */
    List<PlaintextBank> made() {
        return List.copyOf(made);
    }

    /**
     * Reads what is left of the compiled plaintexts once the network is built: banks that never encoded (they have
     * no plaintexts) must be empty in the file too, and the file must hold no more banks and no trailing bytes.
     */
    void finishLoading() {
        if (source == null) {
            return;
        }
        if (source.banks() != made.size()) {
            stopReading();
            throw new CompiledPlaintextsMismatchException("they hold " + source.banks() + " banks of plaintexts, the "
                    + "network " + made.size());
        }
        skipEmptyUntil(made.size());
        stopReading();
        try {
            source.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Stops the helper thread that reads ahead (after its current bank) and waits for it: called once the network is
     * built, or when building it failed, so that no thread reads the caller's stream after compilation returns.
     */
    void stopReading() {
        if (readingAhead == null) {
            return;
        }
        readingAhead.interrupt();
        try {
            readingAhead.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the reader of compiled plaintexts", e);
        }
    }

    /** Reads past banks before {@code index}, which must be empty (their bank had nothing to encode). */
    private void skipEmptyUntil(int index) {
        while (read < index) {
            if (read >= source.banks()) {
                throw new CompiledPlaintextsMismatchException("they hold " + source.banks() + " banks, the network "
                        + "more");
            }
            List<Object> skipped = next(read).coefficients();
            if (!skipped.isEmpty() || made.get(read).size() != 0) {
                throw new CompiledPlaintextsMismatchException("bank " + read + " holds " + skipped.size()
                        + " plaintexts, the network's " + made.get(read).size());
            }
            read++;
        }
    }

    /** Bank {@code index} once read; the reference is dropped here, so the banks keep the only one. */
    private CoefficientBankCodec.Bank next(int index) {
        try {
            CoefficientBankCodec.Bank bank = ahead[index].join();
            ahead[index] = null;
            return bank;
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof IOException io) {
                throw new UncheckedIOException("cannot read bank " + index + " of the compiled plaintexts: "
                        + io.getMessage(), io);
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /** The stored plaintexts of one bank, handed to it when it would encode. */
    final class Stored {
        private final int index;

        private Stored(int index) {
            this.index = index;
        }

        /** The stored coefficients, which must be {@code count} plaintexts at {@code level} with {@code scale}. */
        List<Object> next(int level, double scale, int count) {
            synchronized (PlaintextBanks.this) {
                if (read > index) {
                    throw new IllegalStateException("bug: bank " + index + " encoded twice or out of order");
                }
                skipEmptyUntil(index);
                int level0 = source.level(index);
                double scale0 = source.scale(index);
                int count0 = source.count(index);
                if (level0 != level || scale0 != scale || count0 != count) {
                    throw new CompiledPlaintextsMismatchException(String.format("bank %d holds %d plaintexts at level "
                            + "%d with scale 2^%.4f, the network's %d at level %d with scale 2^%.4f", index, count0,
                            level0, log2(scale0), count, level, log2(scale)));
                }
                List<Object> coefficients = PlaintextBanks.this.next(index).coefficients();
                read++;
                return coefficients;
            }
        }

        CompiledPlaintextsMismatchException differs(String what) {
            return new CompiledPlaintextsMismatchException(what);
        }
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
