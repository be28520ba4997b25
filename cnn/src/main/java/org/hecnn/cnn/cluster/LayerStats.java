package org.hecnn.cnn.cluster;

/**
 * What clustering did to one convolution.
 *
 * @param node           the Conv2d node
 * @param weights        number of weights ({@code Co·Ci·kh·kw})
 * @param distinctBefore distinct weight values before (for an ensemble: distinct M-tuples of the members' weights)
 * @param distinctAfter  distinct values (or M-tuples) after
 * @param maxAbsChange   largest |w − w'| over the weights (and members)
 * @param rmsChange      root mean square of w − w'
 */
public record LayerStats(String node, int weights, int distinctBefore, int distinctAfter, double maxAbsChange,
                         double rmsChange) {
    @Override
    public String toString() {
        return String.format("%s: %d weights, distinct %d -> %d, max |dw| %.3g, rms dw %.3g", node, weights,
                distinctBefore, distinctAfter, maxAbsChange, rmsChange);
    }
}
