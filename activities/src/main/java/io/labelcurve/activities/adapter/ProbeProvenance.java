package io.labelcurve.activities.adapter;

import io.labelcurve.activities.svm.LinearSvcParams;
import java.util.Map;

/**
 * What a linear-probe cell trained on and with.
 *
 * @param trainEmbeddings the prefix of the training embeddings
 * @param embeddingNumerics the encoder's numerics check of those embeddings, or null when the
 *     embeddings predate it
 * @param svm the parameters the SVM trained with, or null when the subset held one class and the
 *     cell answers that class (LinearSVC refuses to train on one)
 * @param solver the LIBLINEAR solver the SVM ran ({@code auto} resolved); null without an SVM
 */
record ProbeProvenance(
    String trainEmbeddings, String embeddingNumerics, LinearSvcParams svm, String solver)
    implements CellProvenance.Adaptation {

  static final String CONSTANT = "constant (the subset holds one class)";

  @Override
  public void addTo(Map<String, String> p) {
    p.put("train_embeddings", trainEmbeddings);
    if (embeddingNumerics != null) {
      p.put("embedding_numerics", embeddingNumerics);
    }
    p.put("classifier", svm == null ? CONSTANT : svm.describe(solver));
    if (svm != null) {
      // Informational: the trained model is bit-identical for any thread count.
      p.put("svm_threads", String.valueOf(svm.threads()));
    }
  }
}
