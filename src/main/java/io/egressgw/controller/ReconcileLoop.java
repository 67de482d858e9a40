package io.egressgw.controller;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The controller's reconcile thread: every reconcile, policy status refresh, resync and leadership
 * reset runs on this one thread, so that the state they share needs no locks. Work is submitted as
 * {@link CoalescedTask}s: requests that arrive while a run is pending are served by that run, and a
 * run that could not finish asks to run again after a named delay.
 */
final class ReconcileLoop {
  private static final Logger LOG = Logger.getLogger(ReconcileLoop.class);

  private final ScheduledExecutorService thread;
  private final Clock clock;

  ReconcileLoop(String threadName, Clock clock) {
    this.thread = Executors.newSingleThreadScheduledExecutor(daemon(threadName));
    this.clock = clock;
  }

  /**
   * A task that runs on this loop when requested. {@code body} returns how long to wait before
   * running again, or empty when it is done; when it throws it runs again after {@code afterError}.
   */
  CoalescedTask coalesced(String what, Supplier<Optional<Duration>> body, Duration afterError) {
    return new CoalescedTask(what, body, afterError);
  }

  /** Runs {@code work} on the loop thread, after the work already submitted. */
  void execute(Runnable work) {
    if (running()) {
      thread.execute(work);
    }
  }

  void stop() {
    thread.shutdownNow();
  }

  private boolean running() {
    return !thread.isShutdown();
  }

  /** Work on the loop thread that runs once however often it was requested while pending. */
  final class CoalescedTask {
    private final String what;
    private final Supplier<Optional<Duration>> body;
    private final Duration afterError;
    private final AtomicBoolean pending = new AtomicBoolean();

    private CoalescedTask(String what, Supplier<Optional<Duration>> body, Duration afterError) {
      this.what = what;
      this.body = body;
      this.afterError = afterError;
    }

    /** Asks for a run; a no-op when one is pending already. */
    void request() {
      if (running() && pending.compareAndSet(false, true)) {
        thread.execute(this::run);
      }
    }

    /** Asks for a run just after {@code at} (by the loop's clock). */
    void requestAt(Instant at) {
      requestAfter(Duration.ofMillis(Duration.between(clock.instant(), at).toMillis() + 1));
    }

    /** Asks for a run after {@code delay} (at least a millisecond). */
    void requestAfter(Duration delay) {
      if (running()) {
        var unused =
            thread.schedule(this::request, Math.max(1, delay.toMillis()), TimeUnit.MILLISECONDS);
      }
    }

    private void run() {
      pending.set(false);
      try {
        body.get().ifPresent(this::requestAfter);
      } catch (RuntimeException e) {
        LOG.warnf(e, "%s failed", what);
        requestAfter(afterError);
      }
    }
  }

  /** Daemon threads named {@code name}. */
  static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
