package org.instructgpt.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;

import java.util.Iterator;
import java.util.Map;

/** The text of report.md: the paper's findings beside this run's figures, said plainly where not reproduced. */
final class RunReportText {
    private RunReportText() {
    }

    static String markdown(JsonNode eval, JsonNode stages, Config root, Map<String, String> charts, JsonNode provenance) {
        StringBuilder s = new StringBuilder();
        s.append("# Run report: ").append(root.getString("instructgpt.run-dir")).append("\n\n");
        s.append("Seed ").append(root.getLong("instructgpt.seed")).append("; ").append(eval.path("prompts").asInt())
                .append(" held-out prompts; every interval is 95%. Baseline: `").append(eval.path("baseline").asText())
                .append("`. Every figure is in `metrics.json`; the plots are below; each stage's own curves are also in"
                        + " its directory (`pretrain/loss.png`, `ppo/reward.png`, ...).\n\n");
        String small = root.hasPath("instructgpt.pipeline.small.name")
                ? root.getString("instructgpt.pipeline.small.name") : "";
        findings(s, eval, small);
        policies(s, eval);
        s.append("## Plots\n\n");
        charts.forEach((file, caption) -> s.append("![").append(caption).append("](").append(file).append(")\n\n"));
        samples(s, eval);
        s.append("## Time and memory by stage\n\nMemory is the pipeline's JVM (in local mode the driver and the executors):"
                + " its resident peak and heap peak during the stage, and what the heap's pools held after their last"
                + " collections at its end (an upper bound on what was live: G1 collects its old generation rarely)."
                + "\n\n| stage | seconds | resident peak MB | heap peak MB | heap after GC MB |"
                + " this run |\n| --- | ---: | ---: | ---: | ---: | --- |\n");
        for (JsonNode st : stages) {
            JsonNode m = st.path("memory");
            s.append(String.format("| %s | %.0f | %s | %s | %s | %s |%n", st.path("stage").asText(),
                    st.path("seconds").asDouble(), megabytes(m, "resident_peak_mb"), megabytes(m, "heap_peak_mb"),
                    megabytes(m, "heap_after_gc_mb"), st.path("skipped").asBoolean() ? "skipped (complete)" : "ran"));
        }
        provenance(s, provenance);
        s.append("\n## Configuration\n\n```hocon\n").append(root.getConfig("instructgpt").root().render(
                ConfigRenderOptions.concise().setFormatted(true).setJson(false))).append("\n```\n");
        return s.toString();
    }

    private static String megabytes(JsonNode memory, String key) {
        double v = memory.path(key).asDouble(-1);
        return v < 0 ? "-" : String.format("%.0f", v);
    }

    private static void findings(StringBuilder s, JsonNode e, String small) {
        JsonNode f = e.path("figures");
        JsonNode v = e.path("versus_baseline");
        s.append("## The paper's findings, measured here\n\n| # | finding | the paper reported | measured here |"
                + " reproduced? |\n| --- | --- | --- | --- | --- |\n");
        JsonNode d = v.path("ppo-ptx").path("gold_trained_families");
        row(s, 1, "PPO-ptx preferred over SFT", "labelers prefer PPO-ptx to SFT at every model size",
                "gold difference " + est(d.path("difference")) + ", win rate " + est(d.path("win_rate")),
                gain(d.path("difference"), !d.isMissingNode()));
        row(s, 2, "a small PPO-ptx model preferred over a larger base or SFT model",
                "1.3B InstructGPT preferred to 175B GPT-3", smaller(e, small), smallerVerdict(e, small));
        JsonNode fs = f.path("sft").path("falsehood_rate");
        JsonNode fp = f.path("ppo-ptx").path("falsehood_rate");
        JsonNode ts = e.path("truthfulqa").path("sft").path("mc1");
        JsonNode tp = e.path("truthfulqa").path("ppo-ptx").path("mc1");
        row(s, 3, "more truthful", "about twice as often truthful and informative as GPT-3 (TruthfulQA)",
                "imitative falsehoods: SFT " + est(fs) + ", PPO-ptx " + est(fp) + "; TruthfulQA MC1: SFT " + est(ts)
                        + ", PPO-ptx " + est(tp),
                verdict(fp.path("high").asDouble(Double.NaN) < fs.path("low").asDouble(Double.NaN), !fp.isMissingNode())
                        + " on the world's falsehood questions" + (tp.isMissingNode() ? "" : "; on TruthfulQA MC1: "
                        + verdict(tp.path("low").asDouble(Double.NaN) > ts.path("high").asDouble(Double.NaN), true)));
        JsonNode hs = f.path("sft").path("hallucination_rate");
        JsonNode hp = f.path("ppo-ptx").path("hallucination_rate");
        row(s, 4, "fewer hallucinations on closed-domain tasks", "21% against GPT-3's 41%",
                "SFT " + est(hs) + ", PPO-ptx " + est(hp),
                verdict(hp.path("high").asDouble(Double.NaN) < hs.path("low").asDouble(Double.NaN), !hp.isMissingNode()));
        JsonNode rs = f.path("sft").path("forbidden_rate_respectful");
        JsonNode rp = f.path("ppo-ptx").path("forbidden_rate_respectful");
        boolean none = rs.path("value").asDouble(0) == 0 && rp.path("value").asDouble(0) == 0;
        row(s, 5, "fewer forbidden (toxic) words when asked to be respectful",
                "about 25% fewer toxic outputs than GPT-3 when prompted to be respectful",
                "with the instruction: SFT " + est(rs) + ", PPO-ptx " + est(rp) + "; without: SFT "
                        + est(f.path("sft").path("forbidden_rate_plain")) + ", PPO-ptx "
                        + est(f.path("ppo-ptx").path("forbidden_rate_plain")),
                none ? "not measurable: no policy wrote a forbidden word"
                        : verdict(rp.path("high").asDouble(Double.NaN) < rs.path("low").asDouble(Double.NaN), true));
        JsonNode lp = e.path("pretrain_loss").path("ppo-ptx").path("difference");
        JsonNode ln = e.path("pretrain_loss").path("ppo").path("difference");
        JsonNode cp = e.path("cloze").path("ppo-ptx").path("difference");
        JsonNode cn = e.path("cloze").path("ppo").path("difference");
        row(s, 6, "the alignment tax, and ptx recovering it",
                "PPO regresses on public NLP datasets; mixing in pre-training gradients (PPO-ptx) greatly reduces it",
                "against SFT, held-out pre-training loss: PPO " + est(ln) + ", PPO-ptx " + est(lp)
                        + "; cloze accuracy: PPO " + est(cn) + ", PPO-ptx " + est(cp),
                verdict(lp.path("high").asDouble(Double.NaN) < ln.path("low").asDouble(Double.NaN), !lp.isMissingNode())
                        + " on held-out loss" + (cp.isMissingNode() ? "" : "; on cloze accuracy: " + verdict(
                        cp.path("low").asDouble(Double.NaN) > cn.path("high").asDouble(Double.NaN), true)));
        JsonNode h = v.path("ppo-ptx").path("gold_held_out_families").path("difference");
        row(s, 7, "generalisation to held-out task families",
                "follows instructions outside the fine-tuning distribution (code, other languages)",
                "gold difference on the held-out families " + est(h),
                gain(h, !h.isMissingNode()));
        s.append('\n');
    }

    private static void policies(StringBuilder s, JsonNode e) {
        s.append("## Each policy\n\nKL: to `").append(e.path("kl_reference").asText("-")).append("`, nats per answer."
                + " EOS: the share of answers that ended by themselves. Cloze: held-out pre-training text.\n\n"
                + "| policy | parameters | gold | reward model | words | EOS | KL | hallucination | falsehood | "
                + "TruthfulQA MC1 | MC2 | held-out pre-training loss | cloze |\n"
                + "| --- | ---: | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (Iterator<Map.Entry<String, JsonNode>> it = e.path("figures").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            JsonNode f = p.getValue();
            JsonNode t = e.path("truthfulqa").path(p.getKey());
            s.append(String.format("| %s | %,d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", p.getKey(),
                    e.path("parameters").path(p.getKey()).asLong(), est(f.path("gold")),
                    est(f.path("reward_model")), est(f.path("words")), est(f.path("eos_rate")), est(f.path("kl")),
                    est(f.path("hallucination_rate")), est(f.path("falsehood_rate")), est(t.path("mc1")),
                    est(t.path("mc2")), est(e.path("pretrain_loss").path(p.getKey()).path("loss")),
                    est(e.path("cloze").path(p.getKey()).path("accuracy"))));
        }
        s.append('\n');
    }

    /**
     * Finding 2's figures: the small PPO-ptx policy against the base and the SFT model (the paper's comparison is
     * with the base model, GPT-3), each with how many times its size they are.
     */
    private static String smaller(JsonNode e, String small) {
        if (small.isEmpty() || !e.path("figures").has(small)) {
            return "not measured: no small policy in this run (instructgpt.pipeline.small)";
        }
        StringBuilder out = new StringBuilder();
        for (String big : new String[]{"base", "sft"}) {
            JsonNode c = against(e, small, big);
            if (c.isMissingNode()) {
                continue;
            }
            double times = e.path("parameters").path(big).asDouble() / e.path("parameters").path(small).asDouble();
            out.append(out.length() == 0 ? "" : "; ").append(String.format("%s against %s (%.1f times its size): gold "
                    + "difference %s, win rate %s", small, big, times, est(c.path("difference")), est(c.path("win_rate"))));
        }
        return out.length() == 0 ? "not measured" : out + " (trained families)";
    }

    private static String smallerVerdict(JsonNode e, String small) {
        JsonNode base = against(e, small, "base").path("difference");
        JsonNode sft = against(e, small, "sft").path("difference");
        if (base.isMissingNode()) {
            return "not measured";
        }
        String v = gain(base, true) + " against base";
        return sft.isMissingNode() ? v : v + "; against SFT: " + gain(sft, true);
    }

    /** The small policy against a larger one on the trained families, from versus_baseline or also_compared. */
    private static JsonNode against(JsonNode e, String small, String big) {
        if (big.equals(e.path("baseline").asText())) {
            return e.path("versus_baseline").path(small).path("gold_trained_families");
        }
        return e.path("also_compared").path(small + " vs " + big).path("gold_trained_families");
    }

    private static void provenance(StringBuilder s, JsonNode p) {
        JsonNode code = p.path("report").path("code");
        s.append("\n## Provenance\n\nThis report: version ").append(code.path("version").asText()).append(", commit `")
                .append(code.path("git_commit").asText()).append("`, ").append(p.path("report").path("created").asText())
                .append(".\n\n| policy | stage | made | commit | inputs |\n| --- | --- | --- | --- | --- |\n");
        for (Iterator<Map.Entry<String, JsonNode>> it = p.path("checkpoints").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode x = e.getValue();
            if (x == null || x.isNull()) {
                s.append("| ").append(e.getKey()).append(" | - | - | - | no provenance.json |\n");
                continue;
            }
            StringBuilder inputs = new StringBuilder();
            x.path("inputs").fields().forEachRemaining(in -> inputs.append(inputs.length() == 0 ? "" : ", ")
                    .append(in.getKey()).append(" `").append(in.getValue().asText()).append('`'));
            s.append(String.format("| %s | %s | %s | `%.10s` | %s |%n", e.getKey(), x.path("stage").asText(),
                    x.path("created").asText(), x.path("code").path("git_commit").asText(), inputs));
        }
    }

    private static void samples(StringBuilder s, JsonNode e) {
        s.append("## Sample answers, side by side\n\n");
        for (JsonNode x : e.path("samples")) {
            s.append("- **").append(x.path("task").asText()).append("** (`").append(x.path("prompt_id").asText())
                    .append("`): ");
            StringBuilder row = new StringBuilder();
            for (Iterator<Map.Entry<String, JsonNode>> it = x.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> a = it.next();
                if (!a.getKey().equals("task") && !a.getKey().equals("prompt_id")) {
                    row.append(row.length() == 0 ? "" : "; ").append(a.getKey()).append(": `")
                            .append(a.getValue().asText().strip().replace("`", "'").replace("\n", " ")).append('`');
                }
            }
            s.append(row).append('\n');
        }
        s.append('\n');
    }

    private static void row(StringBuilder s, int n, String finding, String paper, String here, String verdict) {
        s.append(String.format("| %d | %s | %s | %s | %s |%n", n, finding, paper, here, verdict));
    }

    /**
     * Whether a difference that the paper found positive is positive here; one whose interval is below zero is a
     * regression, not an absence of effect, and is said so.
     */
    static String gain(JsonNode difference, boolean measured) {
        if (measured && difference.path("high").asDouble(Double.NaN) < 0) {
            return "**not reproduced**: the opposite (the interval is below zero)";
        }
        return verdict(difference.path("low").asDouble(Double.NaN) > 0, measured);
    }

    private static String verdict(boolean shown, boolean measured) {
        return !measured ? "not measured" : shown ? "yes" : "**not reproduced** (the interval does not exclude no effect)";
    }

    /** value [low, high], or n/a. */
    static String est(JsonNode x) {
        if (x == null || x.isMissingNode() || x.isNull() || !x.path("value").isNumber()) {
            return "n/a";
        }
        return String.format("%.3f [%.3f, %.3f]", x.get("value").asDouble(), x.path("low").asDouble(),
                x.path("high").asDouble());
    }
}
