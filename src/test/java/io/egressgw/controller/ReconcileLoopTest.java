package io.egressgw.controller;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The reconcile thread: coalesced requests and named retries. */
class ReconcileLoopTest {
  private final ReconcileLoop loop = new ReconcileLoop("egw-test-reconcile", Clock.systemUTC());

  @AfterEach
  void stop() {
    loop.stop();
  }

  @Test
  void requestsArrivingWhileARunIsPendingAreServedByThatRun() throws Exception {
    CountDownLatch blocker = new CountDownLatch(1);
    loop.execute(
        () -> {
          try {
            blocker.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    AtomicInteger runs = new AtomicInteger();
    ReconcileLoop.CoalescedTask task =
        loop.coalesced(
            "count",
            () -> {
              runs.incrementAndGet();
              return Optional.empty();
            },
            Duration.ofMillis(1));

    task.request();
    task.request();
    task.request();
    blocker.countDown();
    CountDownLatch drained = new CountDownLatch(1);
    loop.execute(drained::countDown);
    drained.await(10, TimeUnit.SECONDS);

    assertEquals(1, runs.get());
  }

  @Test
  void aRunThatAsksForARetryRunsAgainAndOneThatThrowsToo() {
    AtomicInteger runs = new AtomicInteger();
    ReconcileLoop.CoalescedTask task =
        loop.coalesced(
            "flaky",
            () -> {
              int run = runs.incrementAndGet();
              if (run == 1) {
                return Optional.of(Duration.ofMillis(1)); // a failed write
              }
              if (run == 2) {
                throw new IllegalStateException("a bug"); // retried after afterError
              }
              return Optional.empty();
            },
            Duration.ofMillis(1));

    task.request();

    await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 3);
  }

  @Test
  void workRunsOnTheLoopThreadInOrder() throws Exception {
    StringBuilder order = new StringBuilder();
    CountDownLatch done = new CountDownLatch(1);
    ReconcileLoop.CoalescedTask task =
        loop.coalesced(
            "append",
            () -> {
              order.append(Thread.currentThread().getName()).append(" task;");
              return Optional.empty();
            },
            Duration.ofMillis(1));

    loop.execute(() -> order.append("first;"));
    task.request();
    loop.execute(done::countDown);
    done.await(10, TimeUnit.SECONDS);

    assertEquals("first;egw-test-reconcile task;", order.toString());
  }
}
