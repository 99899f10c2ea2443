package dev.tandem.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every package of this module has a {@code package-info.java}, and imports only what that says it may: no Spark, DL4J
 * or ND4J, no Tandem module but core, and between the module's own packages the layering the package docs state.
 */
class PackageRulesTest {
  private static final Path ROOT = Path.of("src/main/java/dev/tandem/datasets");
  private static final Pattern REFERENCE = Pattern.compile("\\b(org\\.apache\\.spark|org\\.deeplearning4j|org\\.nd4j|org\\.apache\\.hadoop"
      + "|com\\.fasterxml|dev\\.tandem(?:\\.[a-z][a-z0-9]*)*)\\.[A-Z*]");
  private static final Set<String> CORE = Set.of("dev.tandem", "dev.tandem.config", "dev.tandem.fs", "dev.tandem.format", "dev.tandem.progress");
  private static final String D = "dev.tandem.datasets";

  /** What each package of this module must not refer to, besides Spark, DL4J, ND4J and Tandem modules other than core. */
  private static final Map<String, List<String>> FORBIDDEN = Map.of(
      D, List.of(),
      D + ".text", List.of("dev.tandem", "org.apache.hadoop", "com.fasterxml"),
      D + ".shard", List.of(D),
      D + ".split", List.of(D),
      D + ".source", List.of(D + "!", D + ".features", D + ".profile", D + ".shard"),
      D + ".features", List.of(D + ".source", D + ".text", D + ".shard", D + ".profile"),
      D + ".profile", List.of(D + ".source", D + ".text", D + ".shard"),
      D + ".synth", List.of(D + "!", D + ".features", D + ".profile", D + ".shard"),
      D + ".drift", List.of(D + ".source", D + ".text", D + ".shard", D + ".features"),
      D + ".history", List.of(D + ".source", D + ".text", D + ".shard", D + ".profile", D + ".features"));

  @Test
  void everyPackageIsDocumentedAndImportsOnlyWhatItsDocumentationAllows() throws IOException {
    List<Path> packages;
    try (Stream<Path> dirs = Files.walk(ROOT)) {
      packages = dirs.filter(Files::isDirectory).toList();
    }
    assertThat(packages).hasSize(FORBIDDEN.size());
    List<String> violations = new ArrayList<>();
    for (Path dir : packages) {
      String pkg = D + ROOT.relativize(dir).toString().replace('/', '.').replaceFirst("^(?=.)", ".");
      assertThat(FORBIDDEN).as("rules for %s", pkg).containsKey(pkg);
      assertThat(dir.resolve("package-info.java")).as("package-info of %s", pkg).exists();
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          for (String ref : references(f)) {
            if (!allowed(pkg, ref)) {
              violations.add(ROOT.relativize(f) + " refers to " + ref);
            }
          }
        }
      }
    }
    assertThat(violations).isEmpty();
  }

  private static boolean allowed(String pkg, String ref) {
    boolean tandem = ref.equals("dev.tandem") || ref.startsWith("dev.tandem.");
    if (ref.startsWith("org.apache.spark") || ref.startsWith("org.deeplearning4j") || ref.startsWith("org.nd4j")
        || (tandem && !CORE.contains(ref) && !ref.equals(D) && !ref.startsWith(D + "."))) {
      return false;
    }
    for (String rule : FORBIDDEN.get(pkg)) {
      boolean exact = rule.endsWith("!");
      String p = exact ? rule.substring(0, rule.length() - 1) : rule;
      if (exact ? ref.equals(p) : ref.equals(p) || ref.startsWith(p + ".")) {
        return false;
      }
    }
    return true;
  }

  /** The packages a source file refers to, in imports and fully qualified names (comments left out). */
  private static List<String> references(Path file) throws IOException {
    String code = Files.readString(file).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("(?m)^\\s*(//|package ).*$", "");
    List<String> out = new ArrayList<>();
    Matcher m = REFERENCE.matcher(code);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }
}
