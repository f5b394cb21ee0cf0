package org.instructgpt.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A finding's verdict from its difference's interval: shown, not shown, or shown the other way. */
class RunReportTextTest {
    private static JsonNode difference(double low, double high) throws Exception {
        return new ObjectMapper().readTree("{\"value\": " + (low + high) / 2 + ", \"low\": " + low + ", \"high\": " + high
                + "}");
    }

    @Test
    void aDifferenceIsAGainANullResultOrARegression() throws Exception {
        assertEquals("yes", RunReportText.gain(difference(0.02, 0.10), true));
        assertEquals("**not reproduced** (the interval does not exclude no effect)",
                RunReportText.gain(difference(-0.01, 0.05), true));
        assertEquals("**not reproduced**: the opposite (the interval is below zero)",
                RunReportText.gain(difference(-0.019, -0.003), true));
        assertEquals("not measured", RunReportText.gain(new ObjectMapper().createObjectNode(), false));
    }
}
