/**
 * The models as DL4J computation graphs: the {@code model} section of a job ({@link dev.tandem.trainer.model.ModelConfig}),
 * a model laid out over a prepared dataset's features ({@link dev.tandem.trainer.model.ModelSpec},
 * {@link dev.tandem.trainer.model.InputGroup}), the two families behind {@link dev.tandem.trainer.model.RecommenderModel}
 * (the two-tower retrieval model with its in-batch softmax, and the ranking models), their custom layers and vertices,
 * the learning-rate schedule, and the training examples a split becomes ({@link dev.tandem.trainer.model.Examples}).
 * A model whose tables live beside its graph ({@code model.embeddings}, {@link dev.tandem.trainer.model.EmbeddingsConfig})
 * has {@link dev.tandem.trainer.model.SparseEmbeddings}: the graph takes looked-up rows
 * ({@link dev.tandem.trainer.model.EmbeddingRows}) and the rows live in a {@code dev.tandem.trainer.embedding} store.
 *
 * <p>Must not import: {@code dev.tandem.trainer.checkpoint}, {@code dev.tandem.trainer.eval},
 * {@code dev.tandem.trainer.metrics}, {@code dev.tandem.trainer.tune}, {@code dev.tandem.ps}, {@code dev.tandem.serving},
 * {@code dev.tandem.cli}, {@code org.apache.spark}. Of the train package it uses only the train section (optimiser,
 * learning rate and its schedule): a model knows how it is fed and updated, not how it is trained, stored or judged.
 */
package dev.tandem.trainer.model;
