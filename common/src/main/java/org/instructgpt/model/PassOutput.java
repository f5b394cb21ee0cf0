package org.instructgpt.model;

/**
 * What a forward pass returns, one entry per row ({@code b * time + t}); an array is null when it was not requested,
 * and a row without a target has log-prob and entropy 0.
 */
public record PassOutput(double[] logProbs, double[] entropy, double[] scalar) {
}
