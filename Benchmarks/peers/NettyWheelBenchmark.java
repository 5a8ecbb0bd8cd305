// Netty's HashedWheelTimer (Debian's libnetty-java) on the timing-wheel benchmark's workloads:
// N timers with deadlines spread uniformly over SPAN ms (60 000 saturated, 3 600 000 sparse),
// a 1 ms tick and Netty's default 512 ticks per wheel.
//
// Netty's wheel runs on the wall clock (a tick cannot be shorter than 1 ms), so an hour of
// timers cannot be replayed in a second as TimingWheelBenchmark does. Instead every timer is
// scheduled up front, then the worker thread's CPU time is sampled over a window of WINDOW s
// (after a warm-up in which it moves the scheduled timers into the wheel): the cost of one timer
// = scheduling CPU per timer + worker CPU in the window / timers fired in the window. With all N
// pending in the window this is the steady cost of a node that holds N timers.
//
// Run: javac -cp /usr/share/java/netty-common.jar -d OUT NettyWheelBenchmark.java
//      java -cp OUT:/usr/share/java/netty-common.jar NettyWheelBenchmark N SPAN_MS WINDOW_S
// Prints: RESULT netty <saturated|sparse> N ns-per-timer bytes-per-timer
import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.TimerTask;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

public final class NettyWheelBenchmark {
    static long fired = 0; // touched only by the timer's worker thread

    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        long span = Long.parseLong(args[1]);
        int window = Integer.parseInt(args[2]);
        int warmup = 3 + count / 1_000_000;
        String scenario = span <= 60_000 ? "saturated" : "sparse";
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Runtime runtime = Runtime.getRuntime();
        AtomicReference<Thread> worker = new AtomicReference<>();
        HashedWheelTimer timer = new HashedWheelTimer(task -> {
            Thread thread = new Thread(task, "netty-wheel");
            worker.set(thread);
            return thread;
        }, 1, TimeUnit.MILLISECONDS, 512, false, -1);
        TimerTask task = timeout -> fired++;
        SplittableRandom random = new SplittableRandom(42);
        timer.start();
        System.gc();
        long heapBefore = runtime.totalMemory() - runtime.freeMemory();

        long scheduleStart = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < count; i++) {
            timer.newTimeout(task, 1 + random.nextLong(span), TimeUnit.MILLISECONDS);
        }
        long scheduleCpu = threads.getCurrentThreadCpuTime() - scheduleStart;
        Thread.sleep(warmup * 1000L);
        System.gc();
        long heapAfter = runtime.totalMemory() - runtime.freeMemory();

        long workerId = worker.get().getId();
        long cpuStart = threads.getThreadCpuTime(workerId);
        long firedStart = timer.pendingTimeouts();
        Thread.sleep(window * 1000L);
        long cpuEnd = threads.getThreadCpuTime(workerId);
        long firedInWindow = firedStart - timer.pendingTimeouts();
        timer.stop();

        double nsPerTimer = (double) scheduleCpu / count + (double) (cpuEnd - cpuStart) / Math.max(1, firedInWindow);
        double bytesPerTimer = (double) (heapAfter - heapBefore) / count;
        System.out.printf("netty %s: %d timers over %d s, %d fired in a %d s window: %.1f ns per timer, %.1f bytes per timer%n",
            scenario, count, span / 1000, firedInWindow, window, nsPerTimer, bytesPerTimer);
        System.out.printf("RESULT netty %s %d %.1f %.1f%n", scenario, count, nsPerTimer, bytesPerTimer);
    }
}
