package org.instructgpt.world;

import org.instructgpt.data.Candidate;
import org.instructgpt.data.ChatTemplate;
import org.instructgpt.data.ChatTemplate.Message;
import org.instructgpt.data.DataRecord.Comparison;
import org.instructgpt.data.DataRecord.Demonstration;
import org.instructgpt.data.DataRecord.Document;
import org.instructgpt.data.DataRecord.Prompt;
import org.instructgpt.data.SplitAssigner;
import org.instructgpt.util.Seeds;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Generates the embedded world from a seed. Customers are split into four disjoint groups whose prompts go to SFT,
 * RM, PPO and evaluation (as the paper kept its sets apart by customer); within a set, train and validation are split
 * by customer too. No prompt appears twice anywhere. Held-out families appear only in the evaluation prompts (and,
 * like everything, in the pre-training text). Every random draw comes from the seed, so the same spec gives the same
 * world.
 */
public final class WorldGenerator {
    private static final String[] SETS = {"sft", "rm", "ppo", "eval"};

    private final WorldSpec spec;
    private final ChatTemplate template;
    private final FactBook facts;
    private final Families families;
    private final GoldJudge judge;
    private final Set<String> usedMessages = new HashSet<>();

    public WorldGenerator(WorldSpec spec, ChatTemplate template) {
        this.spec = spec;
        this.template = template;
        this.facts = new FactBook(factSeed(spec.seed()));
        this.families = new Families(facts);
        this.judge = new GoldJudge(factSeed(spec.seed()), template);
    }

    /** The seed of the world's facts, which the gold judge of later stages needs (recorded in world.json). */
    public static long factSeed(long seed) {
        return Seeds.derive(seed, 0xFAC7);
    }

    public GoldJudge judge() {
        return judge;
    }

    public World generate() {
        List<Document> pretrain = new PretrainCorpus(families, facts, template)
                .build(spec, new SplittableRandom(Seeds.derive(spec.seed(), 1)));
        List<List<String>> customers = customerSets(new SplittableRandom(Seeds.derive(spec.seed(), 2)));
        SplitAssigner splits = new SplitAssigner(spec.validationFraction(), spec.seed());

        // Evaluation draws first, then PPO, RM and SFT: families with few distinct messages (facts, descriptions)
        // run out in the largest set, SFT, rather than leave evaluation without them.
        List<Drawn> evalDrawn = new ArrayList<>();
        SplittableRandom evalRng = new SplittableRandom(Seeds.derive(spec.seed(), 8));
        for (TaskFamily f : families.all()) {
            evalDrawn.addAll(draw(customers.get(3), List.of(f), spec.scaled(spec.evalPromptsPerFamily()), evalRng));
        }
        List<Drawn> ppoDrawn = draw(customers.get(2), families.trained(), spec.scaled(spec.ppoPrompts()),
                new SplittableRandom(Seeds.derive(spec.seed(), 7)));
        SplittableRandom rmRng = new SplittableRandom(Seeds.derive(spec.seed(), 4));
        List<Drawn> rmPrompts = draw(customers.get(1), families.trained(), spec.scaled(spec.rmPrompts()), rmRng);
        SplittableRandom sftRng = new SplittableRandom(Seeds.derive(spec.seed(), 3));
        List<Demonstration> sft = new ArrayList<>();
        for (Drawn d : draw(customers.get(0), families.trained(), spec.scaled(spec.sftDemonstrations()), sftRng)) {
            TaskFamily f = families.named(d.task().family());
            String answer = sftRng.nextDouble() < spec.labelerErrorRate() ? f.mistake(d.task(), sftRng) : d.task().answer();
            Demonstration x = new Demonstration(d.id(), prompt(d.task()), template.completion(answer), d.customer(),
                    d.task().family(), null);
            sft.add(x.withSplit(splits.assign(x)));
        }

        ResponseSimulator responses = new ResponseSimulator(families);
        List<List<String>> rmCandidates = new ArrayList<>();
        List<double[]> rmScores = new ArrayList<>();
        for (Drawn d : rmPrompts) {
            List<String> cs = responses.candidates(d.task(), spec.candidates(), rmRng);
            rmCandidates.add(cs);
            rmScores.add(scores(d.task(), cs));
        }
        double temperature = SimulatedLabeler.calibrate(rmScores, spec.labelerAgreement());
        SimulatedLabeler labeler = new SimulatedLabeler(temperature);
        List<Comparison> rm = new ArrayList<>();
        for (int i = 0; i < rmPrompts.size(); i++) {
            Drawn d = rmPrompts.get(i);
            List<String> cs = rmCandidates.get(i);
            if (cs.size() < 2) {
                continue;
            }
            int[] ranks = labeler.rank(rmScores.get(i), rmRng);
            List<Candidate> ranked = new ArrayList<>();
            for (int c = 0; c < cs.size(); c++) {
                ranked.add(new Candidate(template.completion(cs.get(c)), ranks[c]));
            }
            Comparison x = new Comparison(d.id(), prompt(d.task()), ranked, d.customer(), d.task().family(), null);
            rm.add(x.withSplit(splits.assign(x)));
        }
        double expected = SimulatedLabeler.expectedAgreement(rmScores, temperature);
        double measured = labeler.measuredAgreement(rmScores, new SplittableRandom(Seeds.derive(spec.seed(), 6)));

        List<Prompt> ppo = new ArrayList<>();
        for (Drawn d : ppoDrawn) {
            Prompt x = new Prompt(d.id(), prompt(d.task()), d.customer(), d.task().family(), null);
            ppo.add(x.withSplit(splits.assign(x)));
        }
        List<Prompt> eval = new ArrayList<>();
        for (Drawn d : evalDrawn) {
            eval.add(new Prompt(d.id(), prompt(d.task()), d.customer(), d.task().family(), "test"));
        }

        Map<String, Integer> counts = new LinkedHashMap<>();
        counts.put("pretrain_documents", pretrain.size());
        counts.put("customers", spec.customers());
        counts.put("sft_demonstrations", sft.size());
        counts.put("rm_comparisons", rm.size());
        counts.put("ppo_prompts", ppo.size());
        counts.put("eval_prompts", eval.size());
        WorldReport report = new WorldReport(spec.seed(), spec.scale(), families.trained().stream().map(TaskFamily::name).toList(),
                families.heldOut().stream().map(TaskFamily::name).toList(), Lexicon.FORBIDDEN, facts.all(), counts,
                spec.labelerErrorRate(), temperature, spec.labelerAgreement(), expected, measured);
        return new World(pretrain, sft, rm, ppo, eval, report);
    }

    private double[] scores(Task t, List<String> responses) {
        double[] s = new double[responses.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = judge.judge(t.message(), responses.get(i)).score();
        }
        return s;
    }

    private String prompt(Task t) {
        return template.prompt(List.of(new Message("user", t.message())));
    }

    /** A task drawn for a customer, with its prompt id. */
    private record Drawn(String id, String customer, Task task) {
    }

    /**
     * {@code n} tasks of these families (round robin, so families are balanced) for customers of one set, each
     * message new to the whole world; a family that runs out of new messages gives fewer.
     */
    private List<Drawn> draw(List<String> customers, List<TaskFamily> fams, int n, SplittableRandom rng) {
        List<Drawn> out = new ArrayList<>();
        int[] misses = new int[fams.size()];
        for (int i = 0; out.size() < n && i < n * 50; i++) {
            int fi = i % fams.size();
            if (misses[fi] > 200) {
                continue;
            }
            Task t = fams.get(fi).sample(rng);
            if (!usedMessages.add(t.message())) {
                misses[fi]++;
                continue;
            }
            String customer = customers.get(rng.nextInt(customers.size()));
            out.add(new Drawn(String.format("%s-%s-%05d", t.family(), customer, out.size()), customer, t));
        }
        return out;
    }

    /** The customers, shuffled and dealt into the four sets. */
    private List<List<String>> customerSets(SplittableRandom rng) {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < Math.max(SETS.length, spec.customers()); i++) {
            all.add(String.format("c%04d", i));
        }
        for (int i = all.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            String x = all.get(i);
            all.set(i, all.get(j));
            all.set(j, x);
        }
        List<List<String>> sets = new ArrayList<>();
        for (int s = 0; s < SETS.length; s++) {
            sets.add(new ArrayList<>());
        }
        for (int i = 0; i < all.size(); i++) {
            sets.get(i % SETS.length).add(all.get(i));
        }
        return sets;
    }
}
