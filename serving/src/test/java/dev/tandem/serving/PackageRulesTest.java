package dev.tandem.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every package of the serving module has a package-info.java that says what it must not import, and its sources keep
 * to it: the rules are read from the "Must not import:" paragraph of each package-info, so the documentation cannot
 * drift from the code. A forbidden package forbids its subpackages too; a package never forbids itself.
 */
class PackageRulesTest {
  private static final Path SOURCES = Path.of("src/main/java/dev/tandem/serving");
  private static final Pattern RULES = Pattern.compile("Must not import:(.*?)(?:<p>|\\*/)", Pattern.DOTALL);
  private static final Pattern CODE = Pattern.compile("\\{@code ([a-z][\\w.]*)\\}");
  /** A qualified reference in code: lower-case package segments, then a class name. */
  private static final Pattern QUALIFIED = Pattern.compile("\\b((?:[a-z_][a-z0-9_]*\\.)+)[A-Z*]");

  @Test
  void everyPackageSaysWhatItMustNotImportAndKeepsToIt() throws IOException {
    List<Path> packages;
    try (Stream<Path> dirs = Files.walk(SOURCES)) {
      packages = dirs.filter(Files::isDirectory).filter(PackageRulesTest::hasJava).toList();
    }
    assertThat(packages).hasSizeGreaterThanOrEqualTo(6);
    List<String> violations = new ArrayList<>();
    for (Path dir : packages) {
      String pkg = "dev.tandem.serving" + (dir.equals(SOURCES) ? "" : "." + SOURCES.relativize(dir).toString().replace('/', '.'));
      Path info = dir.resolve("package-info.java");
      assertThat(info).as("package-info of " + pkg).exists();
      Matcher rules = RULES.matcher(Files.readString(info));
      assertThat(rules.find()).as(pkg + ": a 'Must not import:' paragraph").isTrue();
      List<String> forbidden = new ArrayList<>();
      for (Matcher m = CODE.matcher(rules.group(1)); m.find(); ) {
        forbidden.add(m.group(1));
      }
      assertThat(forbidden).as(pkg + ": forbidden packages").isNotEmpty();
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          Matcher ref = QUALIFIED.matcher(withoutComments(Files.readString(f)));
          while (ref.find()) {
            String used = ref.group(1).substring(0, ref.group(1).length() - 1);
            for (String no : forbidden) {
              boolean inside = used.equals(no) || used.startsWith(no + ".");
              if (inside && !used.equals(pkg)) {
                violations.add(SOURCES.relativize(f) + " uses " + used + ", which " + pkg + " must not import");
              }
            }
          }
        }
      }
    }
    assertThat(violations).isEmpty();
  }

  /** The rule checker itself: a forbidden reference in code is found, one in a comment is not. */
  @Test
  void qualifiedNamesAreFoundInCodeOnly() {
    String src = "import io.netty.channel.Channel;\n/** see {@link org.nd4j.Foo} */ class X { dev.tandem.serving.http.Y y; } // org.apache.spark.Z";
    List<String> found = new ArrayList<>();
    for (Matcher m = QUALIFIED.matcher(withoutComments(src)); m.find(); ) {
      found.add(m.group(1));
    }
    assertThat(found).containsExactly("io.netty.channel.", "dev.tandem.serving.http.");
  }

  private static boolean hasJava(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.anyMatch(p -> p.toString().endsWith(".java"));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String withoutComments(String src) {
    return src.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ");
  }
}
