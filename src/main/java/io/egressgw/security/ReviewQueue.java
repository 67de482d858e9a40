package io.egressgw.security;

import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A few threads and a bounded queue for the blocking calls that review a caller (TokenReview,
 * SubjectAccessReview). A review that finds the queue full is refused at once rather than queued
 * without bound, so a flood of unknown tokens costs bounded memory and delays other callers by at
 * most a full queue; the caller answers 429 with Retry-After (issue 15).
 */
public final class ReviewQueue {
  /** Seconds a caller refused for a full queue is told to wait (Retry-After). */
  public static final int RETRY_AFTER_SECONDS = 1;

  private final ExecutorService threads;

  public ReviewQueue(String threadName, int threadCount, int capacity) {
    this.threads =
        new ThreadPoolExecutor(
            threadCount,
            threadCount,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(capacity),
            r -> {
              Thread t = new Thread(r, threadName);
              t.setDaemon(true);
              return t;
            });
  }

  /** The review's eventual result, or empty when the queue is full. */
  public <T> Optional<CompletableFuture<T>> submit(Supplier<T> review) {
    try {
      return Optional.of(CompletableFuture.supplyAsync(review, threads));
    } catch (RejectedExecutionException full) {
      return Optional.empty();
    }
  }

  public void shutdown() {
    threads.shutdownNow();
  }
}
