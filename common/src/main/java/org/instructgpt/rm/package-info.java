/**
 * The reward model: ranked comparisons as examples ({@code RankedExample}), the paper's K-way ranking loss
 * ({@code KWayRanking}, {@code PairwiseRankingLoss}), the stage that trains it and centres it on the demonstrations
 * ({@code RmStage}), the score with its bias ({@code RewardModel}), and scoring a dataset on the executors
 * ({@code ScoreStage}).
 */
package org.instructgpt.rm;
