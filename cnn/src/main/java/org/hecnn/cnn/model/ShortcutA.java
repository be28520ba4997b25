package org.hecnn.cnn.model;

import java.util.List;

/**
 * The "option A" residual shortcut: spatial subsampling {@code x[:, ::stride, ::stride]} (PyTorch
 * {@code x[:, :, ::2, ::2]}) followed by zero channels, {@code padBefore} in front and {@code padAfter} behind:
 * output channel {@code padBefore + c} is input channel c; the others are zero.
 *
 * @param stride    subsampling step in both spatial dimensions (1 keeps the map)
 * @param padBefore zero channels in front
 * @param padAfter  zero channels behind
 */
public record ShortcutA(int stride, int padBefore, int padAfter) implements Op {

    /** Validates the parameters. */
    public ShortcutA {
        Op.require(stride >= 1, "shortcut stride must be >= 1");
        Op.require(padBefore >= 0 && padAfter >= 0, "shortcut channel padding must not be negative");
    }

    /** The ResNet shortcut from {@code cin} to {@code cout} channels with stride 2: (cout-cin)/2 zeros each side. */
    public static ShortcutA of(int cin, int cout) {
        Op.require(cout >= cin && (cout - cin) % 2 == 0, "option-A shortcut needs cout - cin even and >= 0");
        return new ShortcutA(2, (cout - cin) / 2, (cout - cin) / 2);
    }

    @Override
    public int arity() {
        return 1;
    }

    @Override
    public Shape outputShape(List<Shape> inputs) {
        Shape in = inputs.get(0);
        Op.require(!in.flat(), "ShortcutA needs a feature map, got vector " + in);
        return Shape.map(in.channels() + padBefore + padAfter, (in.height() + stride - 1) / stride,
                (in.width() + stride - 1) / stride);
    }

    @Override
    public String describe() {
        return "shortcut-A stride " + stride + " pad channels " + padBefore + "+" + padAfter;
    }
}
