package io.egressgw.testing;

import java.io.IOException;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Evaluates {@link RequiresRoot}: run as root, skip elsewhere, never skip under CI=true. */
public class RequiresRootCondition implements ExecutionCondition {
  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    if (isRoot()) {
      return ConditionEvaluationResult.enabled("running as root");
    }
    String why = "needs root (network namespaces, eBPF); run `sudo ./egw test` to include it";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new IllegalStateException("CI=true and not root: refusing to skip a test that " + why);
    }
    return ConditionEvaluationResult.disabled("SKIPPED: " + why);
  }

  static boolean isRoot() {
    try {
      Process p = new ProcessBuilder("id", "-u").start();
      String uid = new String(p.getInputStream().readAllBytes()).trim();
      return p.waitFor() == 0 && uid.equals("0");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
