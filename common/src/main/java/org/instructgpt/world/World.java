package org.instructgpt.world;

import org.instructgpt.data.DataRecord.Comparison;
import org.instructgpt.data.DataRecord.Demonstration;
import org.instructgpt.data.DataRecord.Document;
import org.instructgpt.data.DataRecord.Prompt;

import java.util.List;

/**
 * Everything the pipeline needs, generated: the pre-training corpus, labeler demonstrations (SFT), ranked comparisons
 * (RM), prompts for PPO and for evaluation (from disjoint sets of customers), and the report of how it was made.
 */
public record World(List<Document> pretrain, List<Demonstration> sft, List<Comparison> rm, List<Prompt> ppo,
                    List<Prompt> eval, WorldReport report) {
}
