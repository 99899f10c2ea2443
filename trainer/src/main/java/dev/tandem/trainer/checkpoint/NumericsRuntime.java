package dev.tandem.trainer.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.security.CodeSource;
import java.util.Enumeration;
import java.util.Properties;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What computed a model's numbers: the JVM, operating system and CPU architecture, the DL4J version and the ND4J
 * backend (CPU or CUDA, and its build). Recorded in every checkpoint's provenance, and so in every registry version,
 * because each of them changes the floating-point results a model produces.
 *
 * @param java           {@code java.version}
 * @param javaVendor     {@code java.vendor}
 * @param os             operating system name and version
 * @param arch           {@code os.arch}
 * @param dl4j           version of deeplearning4j-nn on the class path
 * @param nd4jBackend    the backend's artifact ({@code nd4j-native}, {@code nd4j-cuda-11.6}, ...) or its class name when
 *                       the artifact is not recorded in its jar
 * @param nd4jBackendVersion the backend artifact's version
 * @param device         {@code cpu} or {@code cuda}
 */
public record NumericsRuntime(String java, String javaVendor, String os, String arch, String dl4j, String nd4jBackend,
    String nd4jBackendVersion, String device) {
  private static final String UNKNOWN = "unknown";
  private static final Pattern BACKEND_POM = Pattern.compile("META-INF/maven/org\\.nd4j/(nd4j-(?:native|cuda)[^/]*)/pom\\.properties");

  /** The runtime of this JVM (initialises ND4J's backend if it was not yet). */
  public static NumericsRuntime current() {
    Class<?> backend = Nd4j.getBackend().getClass();
    String[] artifact = backendArtifact(backend);
    String device = backend.getName().contains("jcublas") || artifact[0].contains("cuda") ? "cuda" : "cpu";
    return new NumericsRuntime(System.getProperty("java.version"), System.getProperty("java.vendor"),
        System.getProperty("os.name") + " " + System.getProperty("os.version"), System.getProperty("os.arch"),
        pomVersion("META-INF/maven/org.deeplearning4j/deeplearning4j-nn/pom.properties"), artifact[0], artifact[1], device);
  }

  private static String pomVersion(String resource) {
    try (InputStream in = NumericsRuntime.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        return UNKNOWN;
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", UNKNOWN);
    } catch (IOException e) {
      return UNKNOWN;
    }
  }

  /** {artifact, version} of the jar the backend class came from (also works inside a shaded application jar). */
  private static String[] backendArtifact(Class<?> backend) {
    CodeSource source = backend.getProtectionDomain().getCodeSource();
    URL location = source == null ? null : source.getLocation();
    if (location != null && "file".equals(location.getProtocol()) && location.getPath().endsWith(".jar")) {
      try (JarFile jar = new JarFile(location.getPath())) {
        Enumeration<JarEntry> entries = jar.entries();
        while (entries.hasMoreElements()) {
          JarEntry e = entries.nextElement();
          Matcher m = BACKEND_POM.matcher(e.getName());
          if (m.matches()) {
            Properties p = new Properties();
            try (InputStream in = jar.getInputStream(e)) {
              p.load(in);
            }
            return new String[] {m.group(1), p.getProperty("version", UNKNOWN)};
          }
        }
      } catch (IOException e) {
        // fall through to the class name: the provenance still says which backend ran
      }
    }
    return new String[] {backend.getName(), UNKNOWN};
  }
}
