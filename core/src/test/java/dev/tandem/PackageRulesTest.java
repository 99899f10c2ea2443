package dev.tandem;

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
 * Every package of core says in its package-info what it must not import (the "Must not import:" paragraph), and its
 * sources keep to it. Core cannot use testkit's PackageRules (testkit builds on core), hence this small copy of the rule.
 */
class PackageRulesTest {
  private static final Path ROOT = Path.of("src/main/java/dev/tandem");
  private static final Pattern RULES = Pattern.compile("Must not import:(.*?)(?:<p>|\\*/)", Pattern.DOTALL);
  private static final Pattern CODE = Pattern.compile("\\{@code ([a-z][\\w.]*)\\}");
  private static final Pattern QUALIFIED = Pattern.compile("\\b((?:[a-z_][a-z0-9_]*\\.)+)[A-Z*]");

  @Test
  void everyPackageSaysWhatItMustNotImportAndKeepsToIt() throws IOException {
    List<Path> packages;
    try (Stream<Path> dirs = Files.walk(ROOT)) {
      packages = dirs.filter(Files::isDirectory).toList();
    }
    assertThat(packages).hasSize(5);
    List<String> violations = new ArrayList<>();
    for (Path dir : packages) {
      String pkg = "dev.tandem" + (dir.equals(ROOT) ? "" : "." + ROOT.relativize(dir).toString().replace('/', '.'));
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
          String code = Files.readString(f).replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ");
          for (Matcher ref = QUALIFIED.matcher(code); ref.find(); ) {
            String used = ref.group(1).substring(0, ref.group(1).length() - 1);
            for (String no : forbidden) {
              if ((used.equals(no) || used.startsWith(no + ".")) && !used.equals(pkg)) {
                violations.add(ROOT.relativize(f) + " uses " + used + ", which " + pkg + " must not import");
              }
            }
          }
        }
      }
    }
    assertThat(violations).isEmpty();
  }
}
