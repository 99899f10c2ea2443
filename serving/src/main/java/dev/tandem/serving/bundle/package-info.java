/**
 * Serving bundles: what one registry version holds for serving and how it is made
 * ({@link dev.tandem.serving.bundle.BundleExporter}: from training runs to a published version) and read back
 * ({@link dev.tandem.serving.bundle.ServingBundle}: the feature transform, the user tower, the item vectors, the ranking
 * model, the catalogue and the users). A loaded bundle is its loader's; recommenders borrow it.
 *
 * <p>Must not import: {@code dev.tandem.serving.http}, {@code dev.tandem.serving.bench}, {@code io.netty},
 * {@code org.apache.spark}. A bundle is data: it does not know how it is served.
 */
package dev.tandem.serving.bundle;
