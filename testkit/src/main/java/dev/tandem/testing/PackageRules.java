package dev.tandem.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checks that a module's packages keep to what their documentation says: every package has a {@code package-info.java}
 * with a "Must not import:" paragraph naming packages as {@code {@code ...}}, and no source file of the package refers
 * to one of them, in an import or a qualified name (comments left out). A forbidden package forbids its subpackages
 * too; a package never forbids itself. The rules are read from the package docs, so the docs cannot drift from the code.
 */
public final class PackageRules {
  private static final Pattern RULES = Pattern.compile("Must not import:(.*?)(?:<p>|\\*/)", Pattern.DOTALL);
  private static final Pattern CODE = Pattern.compile("\\{@code ([a-z][\\w.]*)\\}");
  /** A qualified reference in code: lower-case package segments, then a class name. */
  private static final Pattern QUALIFIED = Pattern.compile("\\b((?:[a-z_][a-z0-9_]*\\.)+)[A-Z*]");

  private PackageRules() {}

  /**
   * What breaks the rules under a source directory.
   *
   * @param root        the directory of {@code rootPackage}, e.g. {@code src/main/java/dev/tandem/trainer}
   * @param rootPackage its package, e.g. {@code dev.tandem.trainer}
   * @return one line per missing package-info, package without rules, and forbidden reference (file and package); empty
   *     when every package keeps to its rules
   * @throws UncheckedIOException when the sources cannot be read
   */
  public static List<String> violations(Path root, String rootPackage) {
    List<String> out = new ArrayList<>();
    for (Path dir : packages(root)) {
      String pkg = rootPackage + (dir.equals(root) ? "" : "." + root.relativize(dir).toString().replace('/', '.'));
      Path info = dir.resolve("package-info.java");
      if (!Files.exists(info)) {
        out.add(pkg + ": no package-info.java");
        continue;
      }
      List<String> forbidden = forbidden(read(info));
      if (forbidden.isEmpty()) {
        out.add(pkg + ": its package-info has no 'Must not import:' paragraph naming packages as {@code ...}");
        continue;
      }
      for (Path file : javaFiles(dir)) {
        for (String used : references(read(file))) {
          for (String no : forbidden) {
            if ((used.equals(no) || used.startsWith(no + ".")) && !used.equals(pkg)) {
              out.add(root.relativize(file) + " uses " + used + ", which " + pkg + " must not import");
            }
          }
        }
      }
    }
    return out;
  }

  /** The packages a package-info's "Must not import:" paragraph names. */
  static List<String> forbidden(String packageInfo) {
    List<String> out = new ArrayList<>();
    Matcher rules = RULES.matcher(packageInfo);
    if (rules.find()) {
      for (Matcher m = CODE.matcher(rules.group(1)); m.find(); ) {
        out.add(m.group(1));
      }
    }
    return out;
  }

  /** The packages a source refers to, in imports and qualified names, comments left out. */
  public static List<String> references(String source) {
    List<String> out = new ArrayList<>();
    String code = source.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ");
    for (Matcher m = QUALIFIED.matcher(code); m.find(); ) {
      out.add(m.group(1).substring(0, m.group(1).length() - 1));
    }
    return out;
  }

  private static List<Path> packages(Path root) {
    try (Stream<Path> dirs = Files.walk(root)) {
      return dirs.filter(Files::isDirectory).filter(d -> !javaFiles(d).isEmpty()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<Path> javaFiles(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".java")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
