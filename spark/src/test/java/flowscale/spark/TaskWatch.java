package flowscale.spark;

import org.apache.spark.ExecutorLostFailure;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A listener the cluster test installs in the driver ({@code spark.extraListeners}): the tasks running on each
 * executor now, and how many tasks were lost with their executor, so that the test kills a worker while its
 * executor is in the middle of a search and can see the task come back.
 */
public final class TaskWatch extends SparkListener {
    static final Map<String, AtomicInteger> RUNNING = new ConcurrentHashMap<>();
    static final AtomicInteger LOST = new AtomicInteger();

    @Override
    public void onTaskStart(SparkListenerTaskStart start) {
        RUNNING.computeIfAbsent(start.taskInfo().executorId(), k -> new AtomicInteger()).incrementAndGet();
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        RUNNING.computeIfAbsent(end.taskInfo().executorId(), k -> new AtomicInteger()).decrementAndGet();
        if (end.reason() instanceof ExecutorLostFailure) LOST.incrementAndGet();
    }

    static int running(String executor) {
        AtomicInteger n = RUNNING.get(executor);
        return n == null ? 0 : n.get();
    }
}
