package flowscale.kernels.architecture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.constantpool.Utf8Entry;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The class-to-class references of compiled code, read from the class files' constant pools: every class a
 * class names in its code, fields, signatures and annotations, plus fully qualified class names in string
 * constants (a {@code Class.forName("...")} is a dependency too, only a hidden one). Compiled code rather
 * than source imports, so fully qualified uses and same-named classes cannot slip past.
 */
public final class PackageDependencies {
    /** A class named in a descriptor or signature: {@code Lflowscale/runtime/cli/Main;} or {@code ...<}. */
    private static final Pattern DESCRIPTOR = Pattern.compile("L(flowscale/[\\w/$]+?)[;<]");
    /** A class named by its binary name in a string, e.g. for reflection: {@code flowscale.kernels.cpu.CpuBackend}. */
    private static final Pattern BINARY_NAME = Pattern.compile("\\bflowscale(?:\\.[a-z_][a-z0-9_]*)+\\.[A-Z][\\w$]*");

    /** {@code from} refers to {@code to}; both are binary names ({@code a.b.C$D}). */
    public record Edge(String from, String to) {
        public String fromPackage() {
            return packageOf(from);
        }

        public String toPackage() {
            return packageOf(to);
        }

        @Override
        public String toString() {
            return from + " -> " + to;
        }
    }

    private PackageDependencies() {}

    /** The directory or jar holding {@code type}'s class file (a module's {@code target/classes} in a build). */
    public static Path locationOf(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the classes of " + type, e);
        }
    }

    /**
     * Every reference from a class under {@code root} in a package starting with {@code fromPrefix} to a class
     * of another package whose name starts with {@code flowscale.}, sorted; {@code root} is a directory of class
     * files or a jar.
     */
    public static List<Edge> scan(Path root, String fromPrefix) {
        if (Files.isDirectory(root)) return scanTree(root, fromPrefix);
        try (FileSystem jar = FileSystems.newFileSystem(root)) {
            return scanTree(jar.getPath("/"), fromPrefix);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + root, e);
        }
    }

    private static List<Edge> scanTree(Path root, String fromPrefix) {
        Set<Edge> edges = new LinkedHashSet<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                if (file.getFileName().toString().equals("module-info.class")) continue;
                ClassModel model = ClassFile.of().parse(Files.readAllBytes(file));
                String self = model.thisClass().asInternalName().replace('/', '.');
                if (!self.startsWith(fromPrefix)) continue;
                for (String to : referencedClasses(model)) {
                    if (!packageOf(to).equals(packageOf(self))) edges.add(new Edge(self, to));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read class files under " + root, e);
        }
        List<Edge> sorted = new ArrayList<>(edges);
        sorted.sort(Comparator.comparing(Edge::from).thenComparing(Edge::to));
        return sorted;
    }

    /** Binary names of the {@code flowscale.} classes {@code model}'s constant pool names. */
    static Set<String> referencedClasses(ClassModel model) {
        Set<String> names = new LinkedHashSet<>();
        for (PoolEntry entry : model.constantPool()) {
            if (entry instanceof ClassEntry c) {
                String name = c.asInternalName();
                if (name.startsWith("[")) {
                    Matcher m = DESCRIPTOR.matcher(name);
                    while (m.find()) names.add(m.group(1).replace('/', '.'));
                } else if (name.startsWith("flowscale/")) {
                    names.add(name.replace('/', '.'));
                }
            } else if (entry instanceof Utf8Entry u) {
                String text = u.stringValue();
                Matcher d = DESCRIPTOR.matcher(text);
                while (d.find()) names.add(d.group(1).replace('/', '.'));
                Matcher b = BINARY_NAME.matcher(text);
                while (b.find()) names.add(b.group());
            }
        }
        return names;
    }

    static String packageOf(String binaryName) {
        int dot = binaryName.lastIndexOf('.');
        return dot < 0 ? "" : binaryName.substring(0, dot);
    }
}
