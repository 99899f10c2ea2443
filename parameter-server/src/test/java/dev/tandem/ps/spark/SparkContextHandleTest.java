package dev.tandem.ps.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/** Who stops a training's Spark context: the handle that built it, once; never spark-submit's. */
class SparkContextHandleTest {
  private static JavaSparkContext context() {
    return new JavaSparkContext(new SparkConf().setMaster("local[1]").setAppName("handle-test").set("spark.ui.enabled", "false")
        .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1"));
  }

  @Test
  void anOwnedContextIsStoppedOnceOnClose() {
    JavaSparkContext sc = context();
    SparkContextHandle handle = new SparkContextHandle(sc, true);
    assertThat(handle.context()).isSameAs(sc);
    handle.close();
    assertThat(sc.sc().isStopped()).isTrue();
    handle.close(); // idempotent
    assertThatThrownBy(handle::context).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void spark_submitsContextIsLeftRunning() {
    JavaSparkContext sc = context();
    try {
      SparkContextHandle handle = new SparkContextHandle(sc, false);
      handle.close();
      assertThat(sc.sc().isStopped()).isFalse();
      assertThat(sc.parallelize(java.util.List.of(1, 2, 3)).count()).isEqualTo(3);
    } finally {
      sc.stop();
    }
  }
}
