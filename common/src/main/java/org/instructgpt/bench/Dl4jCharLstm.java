package org.instructgpt.bench;

import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.instructgpt.data.TokenizedExample;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

/**
 * The DL4J baseline's model: a character-level LSTM language model as DL4J's own Spark examples build it
 * (embedding, stacked LSTMs, softmax over the vocabulary at every step). DL4J's layers have no causal self-attention,
 * so the baseline is the recurrent model DL4J offers for the same task, sized to a similar parameter count.
 */
public final class Dl4jCharLstm {
    /** Shape and optimiser of the baseline network. */
    public record Shape(int vocab, int embedding, int hidden, int layers, double learningRate, double beta1, double beta2,
                        double weightDecay, double clipNorm) {
    }

    private Dl4jCharLstm() {
    }

    public static MultiLayerConfiguration configuration(Shape s, long seed) {
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new Adam(s.learningRate(), s.beta1(), s.beta2(), 1e-8))
                .weightDecay(s.weightDecay())
                .weightInit(WeightInit.XAVIER)
                .gradientNormalization(GradientNormalization.ClipL2PerLayer)
                .gradientNormalizationThreshold(s.clipNorm())
                .list()
                .layer(new EmbeddingSequenceLayer.Builder().nIn(s.vocab()).nOut(s.embedding()).inferInputLength(true)
                        .outputDataFormat(RNNFormat.NCW).build());
        int in = s.embedding();
        for (int l = 0; l < s.layers(); l++) {
            b.layer(new LSTM.Builder().nIn(in).nOut(s.hidden()).activation(Activation.TANH).dataFormat(RNNFormat.NCW).build());
            in = s.hidden();
        }
        return b.layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                .nIn(in).nOut(s.vocab()).dataFormat(RNNFormat.NCW).build()).build();
    }

    /**
     * Blocks as one DL4J minibatch: features [n, T-1] token ids, labels [n, vocab, T-1] one-hot of the next token, the
     * same T-1 predictions per block our causal LM makes.
     */
    public static DataSet dataSet(List<TokenizedExample> blocks, int vocab) {
        int n = blocks.size();
        int t = blocks.get(0).length() - 1;
        float[] features = new float[n * t];
        float[] labels = new float[n * vocab * t];
        for (int i = 0; i < n; i++) {
            int[] ids = blocks.get(i).ids();
            for (int j = 0; j < t; j++) {
                features[i * t + j] = ids[j];
                labels[(i * vocab + ids[j + 1]) * t + j] = 1f;
            }
        }
        return new DataSet(Nd4j.create(features, new long[]{n, t}, 'c'), Nd4j.create(labels, new long[]{n, vocab, t}, 'c'));
    }

    /** Mean next-token cross-entropy (nats) of {@code net} over {@code blocks}, computed here, not by DL4J's score. */
    public static double validationLoss(MultiLayerNetwork net, List<TokenizedExample> blocks, int vocab, int batch) {
        double sum = 0;
        long count = 0;
        for (int from = 0; from < blocks.size(); from += batch) {
            List<TokenizedExample> part = blocks.subList(from, Math.min(blocks.size(), from + batch));
            DataSet ds = dataSet(part, vocab);
            INDArray out = net.output(ds.getFeatures(), false);
            float[] p = out.dup('c').data().asFloat();
            int t = part.get(0).length() - 1;
            for (int i = 0; i < part.size(); i++) {
                int[] ids = part.get(i).ids();
                for (int j = 0; j < t; j++) {
                    sum -= Math.log(Math.max(p[(i * vocab + ids[j + 1]) * t + j], 1e-30f));
                    count++;
                }
            }
        }
        return sum / count;
    }
}
