package org.instructgpt.world;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/** What {@code prepare} made, written to {@code world.json}: sizes, families, facts and the labelers' agreement. */
public record WorldReport(
        @JsonProperty("seed") long seed,
        @JsonProperty("scale") double scale,
        @JsonProperty("trained_families") List<String> trainedFamilies,
        @JsonProperty("held_out_families") List<String> heldOutFamilies,
        @JsonProperty("forbidden_words") List<String> forbiddenWords,
        @JsonProperty("facts") List<FactBook.Fact> facts,
        @JsonProperty("counts") Map<String, Integer> counts,
        @JsonProperty("labeler_error_rate") double labelerErrorRate,
        @JsonProperty("labeler_temperature") double labelerTemperature,
        @JsonProperty("labeler_agreement_target") double agreementTarget,
        @JsonProperty("labeler_agreement_expected") double agreementExpected,
        @JsonProperty("labeler_agreement_measured") double agreementMeasured) {
    /**
     * The report of the embedded world at {@code world}, or empty where there is none (an empty setting, or a
     * directory without {@code world.json}: real data, where gold scores and simulated labelers do not exist).
     */
    public static java.util.Optional<WorldReport> find(String world) {
        if (world.isEmpty()) {
            return java.util.Optional.empty();
        }
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(world, WorldWriter.REPORT);
        try {
            return org.instructgpt.io.Fs.of(p).exists(p) ? java.util.Optional.of(read(world)) : java.util.Optional.empty();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot look for " + p + ": " + e.getMessage(), e);
        }
    }

    /** The world's gold judge, reading prompts in the given chat template. */
    public GoldJudge goldJudge(org.instructgpt.data.ChatTemplate template) {
        return new GoldJudge(WorldGenerator.factSeed(seed), template);
    }

    /** The report of the world written to {@code world} ({@code world.json}). */
    public static WorldReport read(String world) {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(world, WorldWriter.REPORT);
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readValue(
                    org.instructgpt.io.Fs.readAll(org.instructgpt.io.Fs.of(p), p), WorldReport.class);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read the embedded world's " + p + ": " + e.getMessage(), e);
        }
    }
}
