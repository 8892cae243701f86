package flowscale.runtime.report;

import java.util.Base64;
import java.util.Locale;

/** Small pieces shared by the HTML pages: escaping, data URIs, number formatting and the page frame with its CSS. */
final class Html {
    private Html() {}

    /** Text safe inside elements and double-quoted attributes. */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** A PNG inlined as a {@code data:} URI, so the page needs no other file. */
    static String pngDataUri(byte[] png) {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
    }

    /** Compact number: integers without decimals, others with up to four significant decimals. */
    static String num(double v) {
        if (Double.isNaN(v)) return "n/a";
        if (Double.isInfinite(v)) return v > 0 ? "+inf" : "-inf";
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        String s = String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.1f" : "%.4f", v);
        if (s.contains(".")) s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        return s;
    }

    static String millis(long nanos) {
        double ms = nanos / 1e6;
        return ms >= 1000 ? String.format(Locale.ROOT, "%.2f s", ms / 1000) : String.format(Locale.ROOT, "%.1f ms", ms);
    }

    static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * fraction);
    }

    /** A complete page: UTF-8, viewport, the shared inline stylesheet, no scripts, no external resources. */
    static String page(String title, String body) {
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                + "<title>" + escape(title) + "</title>\n<style>\n" + CSS + "</style>\n</head>\n<body>\n"
                + body + "</body>\n</html>\n";
    }

    private static final String CSS = """
            body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1d232a;
                   background: #f4f5f7; margin: 0; padding: 24px; line-height: 1.4; }
            main { max-width: 1100px; margin: 0 auto; }
            h1 { font-size: 1.5em; margin: 0 0 4px; }
            h2 { font-size: 1.1em; margin: 0 0 12px; color: #34404c; }
            .sub { color: #5b6673; margin: 0 0 18px; }
            section { background: #fff; border: 1px solid #dde1e6; border-radius: 8px; padding: 16px 20px; margin: 0 0 16px; }
            .row { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
            .pixelated { image-rendering: pixelated; image-rendering: crisp-edges; }
            img.best { width: 256px; height: 256px; border: 1px solid #c5ccd3; background: #000; }
            img.grid { max-width: 100%; height: auto; border: 1px solid #c5ccd3; }
            table { border-collapse: collapse; font-size: 0.92em; }
            th, td { text-align: left; padding: 4px 12px 4px 0; border-bottom: 1px solid #eceff2; vertical-align: top; }
            th { color: #5b6673; font-weight: 600; }
            td.n, th.n { text-align: right; padding-right: 16px; font-variant-numeric: tabular-nums; }
            .big { font-size: 1.6em; font-weight: 700; }
            .ok { color: #1a7f37; font-weight: 600; }
            .bad { color: #c62828; font-weight: 600; }
            .banner { background: #fff4e5; border: 1px solid #f0b35b; color: #7a4100; border-radius: 8px; padding: 10px 16px;
                      margin: 0 0 16px; font-weight: 600; }
            .note { color: #5b6673; font-size: 0.9em; }
            svg { max-width: 100%; height: auto; font-family: inherit; }
            .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 16px; }
            .card { background: #fff; border: 1px solid #dde1e6; border-radius: 8px; padding: 12px; text-decoration: none; color: inherit; }
            .card:hover { border-color: #5b8def; }
            .card img { width: 100%; height: auto; aspect-ratio: 1; background: #000; display: block; margin: 0 0 8px; }
            """;
}
