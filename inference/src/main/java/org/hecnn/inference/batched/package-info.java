/**
 * The batched layout for chain networks (Faster CryptoNets / CryptoNets style): one image per slot and one
 * ciphertext per neuron, so every weight is a scalar. Affine layers become exact integer matrices with a
 * power-of-two denominator (power-of-two weights: exact shifts and additions, no level); squarings are relinearised
 * and rescaled only after the next layer has summed them. The level plan rests on guaranteed interval bounds.
 */
package org.hecnn.inference.batched;
