package io.egressgw.rest;

import io.egressgw.validation.Verdict;

/**
 * What may refuse the delete of a stored object (409), and how a delete the caller forces is marked
 * on the object first, so that the admission webhook, which sees only the object, lets it through.
 *
 * @param <T> the custom resource type
 */
interface DeletionGuard<T> {
  /** Allowed, or a conflict whose violations say what still uses {@code current}. */
  Verdict check(T current);

  /** A copy of {@code current} marked so that the webhook allows deleting it. */
  T markForced(T current);

  /** Nothing refuses a delete. */
  static <T> DeletionGuard<T> none() {
    return new DeletionGuard<>() {
      @Override
      public Verdict check(T current) {
        return Verdict.allowed();
      }

      @Override
      public T markForced(T current) {
        return current;
      }
    };
  }
}
