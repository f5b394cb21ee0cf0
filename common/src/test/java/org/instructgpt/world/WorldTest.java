package org.instructgpt.world;

import org.instructgpt.SparkTestSession;
import org.instructgpt.data.Candidate;
import org.instructgpt.data.ChatTemplate;
import org.instructgpt.data.DataRecord;
import org.instructgpt.data.Limits;
import org.instructgpt.data.RecordValidator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorldTest {
    static final ChatTemplate T = ChatTemplate.hh();
    static WorldSpec spec = new WorldSpec(42, 1.0, 400, 1400, 700, 4, 700, 40, 0.05, 0.73, 3000, 0.1, 0.1);
    static World world;
    static GoldJudge judge;

    @BeforeAll
    static void generate() {
        WorldGenerator g = new WorldGenerator(spec, T);
        world = g.generate();
        judge = g.judge();
    }

    @Test
    void labelersAgreeAsOftenAsThePapersDid() {
        WorldReport r = world.report();
        assertEquals(0.73, r.agreementExpected(), 0.005);
        assertEquals(0.73, r.agreementMeasured(), 0.03, "measured agreement " + r.agreementMeasured());
    }

    @Test
    void theGoldJudgeRewardsCorrectHonestPoliteAnswers() {
        assertTrue(judge.judge("Reverse the letters: abc", "cba").score() > judge.judge("Reverse the letters: abc", "abc").score());
        assertTrue(judge.judge("Add: 2 + 3", "5").score() > judge.judge("Add: 2 + 3", "5 and more words here").score());
        GoldJudge.Verdict made = judge.judge("Context: Ann lives in Oslo. Bob lives in Rome. Where does Bob live?", "Lima");
        assertTrue(made.hallucination());
        assertFalse(judge.judge("Context: Ann lives in Oslo. Bob lives in Rome. Where does Bob live?", "Oslo").hallucination());
        FactBook.Fact f = new FactBook(WorldGenerator.factSeed(42)).all().get(0);
        String q = "What colour is a " + f.thing() + "?";
        assertTrue(judge.judge(q, f.falsehood()).falsehood());
        assertTrue(judge.judge(q, f.truth()).score() > judge.judge(q, f.falsehood()).score() + 2);
        GoldJudge.Verdict rude = judge.judge("Please be respectful. Describe Ann in one word.", "blorf");
        assertEquals(1, rude.forbiddenWords());
        assertTrue(judge.judge("Describe Ann in one word.", "kind").score() > rude.score());
        assertEquals(judge.judge("Add: 2 + 3", "5").score(), judge.judgePrompt(T.prompt(List.of(
                new ChatTemplate.Message("user", "Add: 2 + 3"))), T.completion("5")).score());
    }

    @Test
    void promptSetsAreDisjointByCustomerAndByPrompt() {
        Map<String, Set<String>> customers = new TreeMap<>();
        Map<String, List<String>> prompts = new TreeMap<>();
        world.sft().forEach(d -> add(customers, prompts, "sft", d.groupId(), d.prompt()));
        world.rm().forEach(d -> add(customers, prompts, "rm", d.groupId(), d.prompt()));
        world.ppo().forEach(d -> add(customers, prompts, "ppo", d.groupId(), d.prompt()));
        world.eval().forEach(d -> add(customers, prompts, "eval", d.groupId(), d.prompt()));
        Set<String> allCustomers = new HashSet<>();
        Set<String> allPrompts = new HashSet<>();
        for (String set : customers.keySet()) {
            for (String c : customers.get(set)) {
                assertTrue(allCustomers.add(c), "customer " + c + " is in two sets");
            }
            for (String p : prompts.get(set)) {
                assertTrue(allPrompts.add(p), "prompt " + p + " appears twice");
            }
        }
    }

    private static void add(Map<String, Set<String>> customers, Map<String, List<String>> prompts, String set, String c, String p) {
        customers.computeIfAbsent(set, k -> new HashSet<>()).add(c);
        prompts.computeIfAbsent(set, k -> new ArrayList<>()).add(p);
    }

    @Test
    void heldOutFamiliesAreOnlyInEvaluationAndEveryFamilyIsEvaluated() {
        Set<String> heldOut = Set.of("repeat", "count");
        assertTrue(world.sft().stream().noneMatch(d -> heldOut.contains(d.task())));
        assertTrue(world.rm().stream().noneMatch(d -> heldOut.contains(d.task())));
        assertTrue(world.ppo().stream().noneMatch(d -> heldOut.contains(d.task())));
        Map<String, Long> evalFamilies = world.eval().stream().collect(Collectors.groupingBy(DataRecord.Prompt::task, Collectors.counting()));
        assertEquals(9, evalFamilies.size(), evalFamilies.toString());
        evalFamilies.values().forEach(n -> assertEquals(40L, n));
        Map<String, Long> sftFamilies = world.sft().stream().collect(Collectors.groupingBy(DataRecord.Demonstration::task, Collectors.counting()));
        assertEquals(7, sftFamilies.size(), sftFamilies.toString());
    }

    @Test
    void demonstrationsAreMostlyRightAtTheConfiguredErrorRate() {
        long wrong = world.sft().stream().filter(d -> judge.judgePrompt(d.prompt(), d.completion()).correctness() < 1).count();
        double rate = (double) wrong / world.sft().size();
        assertTrue(rate > 0.02 && rate < 0.09, "labeler error rate " + rate);
    }

    @Test
    void theBestRankedCandidateIsUsuallyTheBestByTheGoldJudge() {
        int agree = 0;
        for (DataRecord.Comparison c : world.rm()) {
            Candidate top = c.candidates().stream().filter(x -> x.rank() == 1).findFirst().orElseThrow();
            double best = c.candidates().stream().mapToDouble(x -> judge.judgePrompt(c.prompt(), x.completion()).score()).max().orElseThrow();
            agree += judge.judgePrompt(c.prompt(), top.completion()).score() == best ? 1 : 0;
        }
        double share = (double) agree / world.rm().size();
        assertTrue(share > 0.5 && share < 0.95, "labelers pick the gold-best answer in " + share + " of comparisons");
    }

    @Test
    void preTrainingTextRepeatsFalsehoodsMoreThanTruthAndHoldsOutProse() {
        FactBook facts = new FactBook(WorldGenerator.factSeed(42));
        int lies = 0;
        int truths = 0;
        for (DataRecord.Document d : world.pretrain()) {
            for (FactBook.Fact f : facts.all()) {
                lies += count(d.text(), "a " + f.thing() + " is " + f.falsehood()) + count(d.text(), f.thing() + "?\n\nAssistant: " + f.falsehood());
                truths += count(d.text(), "a " + f.thing() + " is " + f.truth()) + count(d.text(), f.thing() + "?\n\nAssistant: " + f.truth());
            }
        }
        assertTrue(lies > 2 * truths && truths > 0, "falsehoods " + lies + ", truths " + truths);
        long heldOutProse = world.pretrain().stream().filter(d -> d.docId().startsWith("prose-") && d.split().equals("validation")).count();
        assertTrue(heldOutProse > 20, "held-out prose documents: " + heldOutProse);
    }

    private static int count(String s, String sub) {
        int n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void everyRowPassesTheImportRules() {
        RecordValidator v = new RecordValidator(new Limits("byte-level", 512, 512, 2, 9));
        Stream.of(world.pretrain(), world.sft(), world.rm(), world.ppo(), world.eval()).flatMap(List::stream)
                .forEach(r -> assertEquals(null, v.check(r), r.toString()));
        // Every prompt of every set is one the gold judge can rebuild its task from.
        Stream.concat(world.ppo().stream(), world.eval().stream())
                .forEach(p -> assertEquals(p.task(), judge.judgePrompt(p.prompt(), " x").family(), p.prompt()));
    }

    @Test
    void theSameSeedGivesTheSameFilesByteForByte(@TempDir Path dir) throws IOException {
        WorldSpec small = new WorldSpec(7, 0.05, 40, 1400, 700, 4, 700, 40, 0.05, 0.73, 3000, 0.1, 0.1);
        WorldWriter.write(SparkTestSession.get(), new WorldGenerator(small, T).generate(), dir.resolve("a").toString());
        WorldWriter.write(SparkTestSession.get(), new WorldGenerator(small, T).generate(), dir.resolve("b").toString());
        List<Path> a = files(dir.resolve("a"));
        List<Path> b = files(dir.resolve("b"));
        assertEquals(a.stream().map(p -> dir.resolve("a").relativize(p).toString()).toList(),
                b.stream().map(p -> dir.resolve("b").relativize(p).toString()).toList());
        assertTrue(a.size() > 10, a.toString());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(Files.readAllBytes(a.get(i)), Files.readAllBytes(b.get(i)), a.get(i).toString());
        }
    }

    private static List<Path> files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
