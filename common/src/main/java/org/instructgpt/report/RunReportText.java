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

    static String markdown(JsonNode eval, JsonNode stages, Config root) {
        StringBuilder s = new StringBuilder();
        s.append("# Run report: ").append(root.getString("instructgpt.run-dir")).append("\n\n");
        s.append("Seed ").append(root.getLong("instructgpt.seed")).append("; ").append(eval.path("prompts").asInt())
                .append(" held-out prompts; every interval is 95%. Baseline: `").append(eval.path("baseline").asText())
                .append("`. Figures: `metrics.json`, `gold.png`, `alignment_tax.png`; each stage's curves are in its own"
                        + " directory (`pretrain/loss.png`, `ppo/reward.png`, `ppo/kl.png`, ...).\n\n");
        findings(s, eval);
        policies(s, eval);
        samples(s, eval);
        s.append("## Time by stage\n\n| stage | seconds | this run |\n| --- | ---: | --- |\n");
        for (JsonNode st : stages) {
            s.append(String.format("| %s | %.0f | %s |%n", st.path("stage").asText(), st.path("seconds").asDouble(),
                    st.path("skipped").asBoolean() ? "skipped (complete)" : "ran"));
        }
        s.append("\n## Configuration\n\n```hocon\n").append(root.getConfig("instructgpt").root().render(
                ConfigRenderOptions.concise().setFormatted(true).setJson(false))).append("\n```\n");
        return s.toString();
    }

    private static void findings(StringBuilder s, JsonNode e) {
        JsonNode f = e.path("figures");
        JsonNode v = e.path("versus_baseline");
        s.append("## The paper's findings, measured here\n\n| # | finding | the paper reported | measured here |"
                + " reproduced? |\n| --- | --- | --- | --- | --- |\n");
        JsonNode d = v.path("ppo-ptx").path("gold_trained_families");
        row(s, 1, "PPO-ptx preferred over SFT", "labelers prefer PPO-ptx to SFT at every model size",
                "gold difference " + est(d.path("difference")) + ", win rate " + est(d.path("win_rate")),
                verdict(d.path("difference").path("low").asDouble(Double.NaN) > 0, !d.isMissingNode()));
        row(s, 2, "a small PPO-ptx model preferred over a larger base or SFT model",
                "1.3B InstructGPT preferred to 175B GPT-3", "not measured: this pipeline trains one model size",
                "not measured");
        JsonNode fs = f.path("sft").path("falsehood_rate");
        JsonNode fp = f.path("ppo-ptx").path("falsehood_rate");
        JsonNode ts = e.path("truthfulqa").path("sft").path("mc1");
        JsonNode tp = e.path("truthfulqa").path("ppo-ptx").path("mc1");
        row(s, 3, "more truthful", "about twice as often truthful and informative as GPT-3 (TruthfulQA)",
                "imitative falsehoods: SFT " + est(fs) + ", PPO-ptx " + est(fp) + "; TruthfulQA MC1: SFT " + est(ts)
                        + ", PPO-ptx " + est(tp),
                verdict(fp.path("high").asDouble(Double.NaN) < fs.path("low").asDouble(Double.NaN), !fp.isMissingNode()));
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
        row(s, 6, "the alignment tax, and ptx recovering it",
                "PPO regresses on public NLP datasets; mixing in pre-training gradients (PPO-ptx) greatly reduces it",
                "held-out pre-training loss against SFT: PPO " + est(ln) + ", PPO-ptx " + est(lp),
                verdict(lp.path("high").asDouble(Double.NaN) < ln.path("low").asDouble(Double.NaN), !lp.isMissingNode()));
        JsonNode h = v.path("ppo-ptx").path("gold_held_out_families").path("difference");
        row(s, 7, "generalisation to held-out task families",
                "follows instructions outside the fine-tuning distribution (code, other languages)",
                "gold difference on the held-out families " + est(h),
                verdict(h.path("low").asDouble(Double.NaN) > 0, !h.isMissingNode()));
        s.append('\n');
    }

    private static void policies(StringBuilder s, JsonNode e) {
        s.append("## Each policy\n\n| policy | gold | reward model | words | hallucination | falsehood | "
                + "TruthfulQA MC1 | MC2 | held-out pre-training loss |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (Iterator<Map.Entry<String, JsonNode>> it = e.path("figures").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            JsonNode f = p.getValue();
            JsonNode t = e.path("truthfulqa").path(p.getKey());
            s.append(String.format("| %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", p.getKey(), est(f.path("gold")),
                    est(f.path("reward_model")), est(f.path("words")), est(f.path("hallucination_rate")),
                    est(f.path("falsehood_rate")), est(t.path("mc1")), est(t.path("mc2")),
                    est(e.path("pretrain_loss").path(p.getKey()).path("loss"))));
        }
        s.append('\n');
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
