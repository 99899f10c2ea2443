/**
 * The model registry: immutable, checksummed versions of serving bundles by name, and aliases that move atomically and
 * roll back ({@link dev.tandem.serving.registry.ModelRegistry}, {@link dev.tandem.serving.registry.FsModelRegistry} on
 * any Hadoop file system), with their persisted formats (manifests, alias entries) and references
 * ({@link dev.tandem.serving.registry.ModelRef}). It stores and verifies bytes; it never loads a model.
 *
 * <p>Must not import: {@code dev.tandem.serving}, {@code org.deeplearning4j}, {@code org.nd4j}, {@code io.netty},
 * {@code org.apache.spark}. The registry sits below bundles and recommenders, so none of them may be needed to list,
 * verify or promote a version.
 */
package dev.tandem.serving.registry;
