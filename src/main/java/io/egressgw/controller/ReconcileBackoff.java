package io.egressgw.controller;

import java.time.Duration;

/**
 * How long the reconcile loop waits before it tries again, by why it has to.
 *
 * @param afterFailedWrite a status write failed (conflict, API server away): the reconcile is
 *     requested again after this
 * @param afterError the reconcile threw: requested again after this (longer, it may be a bug)
 * @param afterUnwrittenPolicyStatus a policy status refresh left something unwritten (a failed
 *     write, or rollout progress held back by {@link PolicyStatuses#PROGRESS_INTERVAL})
 */
record ReconcileBackoff(
    Duration afterFailedWrite, Duration afterError, Duration afterUnwrittenPolicyStatus) {

  /** The controller's settings. */
  static final ReconcileBackoff DEFAULT =
      new ReconcileBackoff(Duration.ofMillis(200), Duration.ofMillis(500), Duration.ofMillis(200));
}
