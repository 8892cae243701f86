package flowscale.runtime.reward;

import java.util.ArrayList;
import java.util.List;

/** Connected components of equal, non-negative labels on a pixel grid (iterative flood fill). */
final class Components {
    private Components() {
    }

    /**
     * The components of pixels with {@code label >= 0}, each as its pixel indices ({@code y*w + x}), in
     * raster order of their first pixel. {@code eight} chooses 8- instead of 4-connectivity.
     */
    static List<int[]> of(int[] label, int h, int w, boolean eight) {
        boolean[] seen = new boolean[h * w];
        int[] stack = new int[h * w];
        List<int[]> out = new ArrayList<>();
        int[] buf = new int[h * w];
        for (int start = 0; start < h * w; start++) {
            if (seen[start] || label[start] < 0) continue;
            int l = label[start];
            int top = 0, n = 0;
            stack[top++] = start;
            seen[start] = true;
            while (top > 0) {
                int p = stack[--top];
                buf[n++] = p;
                int x = p % w, y = p / w;
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        if ((dx == 0 && dy == 0) || (!eight && dx != 0 && dy != 0)) continue;
                        int nx = x + dx, ny = y + dy;
                        if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
                        int q = ny * w + nx;
                        if (!seen[q] && label[q] == l) {
                            seen[q] = true;
                            stack[top++] = q;
                        }
                    }
                }
            }
            int[] comp = new int[n];
            System.arraycopy(buf, 0, comp, 0, n);
            java.util.Arrays.sort(comp);
            out.add(comp);
        }
        return out;
    }
}
