package io.egressgw.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * For tests that need root (network namespaces, BPF). Elsewhere they are skipped with a clear
 * message; under CI=true a missing privilege fails the test instead, so that CI never reports a
 * skipped network test as passing.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RequiresRootCondition.class)
public @interface RequiresRoot {}
