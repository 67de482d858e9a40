package io.egressgw.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.egressgw.crd.JsonMergePatch;
import io.egressgw.kube.ResourceCache;
import io.egressgw.validation.Verdict;
import io.egressgw.validation.Violation;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.informers.cache.Store;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The REST semantics shared by both resources: reads from the informer cache, writes to the
 * Kubernetes API, ETag/If-Match from the edited part of the object ({@link ETags}), status
 * read-only, bodies parsed strictly and admitted by io.egressgw.validation before anything is
 * written.
 *
 * <p>Status in a request body is ignored, never refused: as with Kubernetes' main resource endpoint
 * when the status subresource is on, create stores no status and replace keeps the stored one. That
 * way an object read from the API (or the reference's examples, which show a status) can be sent
 * back unchanged.
 *
 * @param <T> the custom resource type
 */
final class CustomResourceEndpoint<T extends CustomResource<?, ?>> {
  private static final int CONFLICT_RETRIES = 3;
  private static final String MERGE_PATCH = "application/merge-patch+json";

  private final Class<T> type;
  private final String apiVersion;
  private final String kind;
  private final String listKind;
  private final boolean namespaced;
  private final Supplier<Store<T>> store;
  private final Function<
          String, NonNamespaceOperation<T, ? extends KubernetesResourceList<T>, Resource<T>>>
      api;
  private final Function<T, Verdict> admission;
  private final ResourceCache cache;
  private final RestSettings settings;
  private final Supplier<WatchChannel<T>> changes;
  private final WatchHub watches;
  private final KubernetesWrites writes;

  CustomResourceEndpoint(
      Class<T> type,
      String listKind,
      boolean namespaced,
      Supplier<Store<T>> store,
      Function<String, NonNamespaceOperation<T, ? extends KubernetesResourceList<T>, Resource<T>>>
          api,
      Function<T, Verdict> admission,
      ResourceCache cache,
      RestSettings settings,
      Supplier<WatchChannel<T>> changes,
      WatchHub watches,
      KubernetesWrites writes) {
    this.type = type;
    this.apiVersion = io.egressgw.api.v1.NetworkGatewayGroup.API_VERSION;
    this.kind = type.getSimpleName();
    this.listKind = listKind;
    this.namespaced = namespaced;
    this.store = store;
    this.api = api;
    this.admission = admission;
    this.cache = cache;
    this.settings = settings;
    this.changes = changes;
    this.watches = watches;
    this.writes = writes;
  }

  /**
   * The GET of every collection route: a {@link #watch} when {@code watch} is true (Server-Sent
   * Events when {@code accept} asks for them), else a {@link #list} page.
   */
  Response listOrWatch(
      String namespace,
      String limit,
      String continueToken,
      String labelSelector,
      String fieldSelector,
      String watch,
      String resourceVersion,
      String timeoutSeconds,
      String accept,
      String authorization,
      io.vertx.core.http.HttpServerRequest request) {
    if (GatewayGroupResource.flag("watch", watch)) {
      return watch(
          namespace,
          resourceVersion,
          labelSelector,
          fieldSelector,
          timeoutSeconds,
          WatchClients.wantsEventStream(accept),
          WatchClients.of(authorization, request));
    }
    return list(namespace, limit, continueToken, labelSelector, fieldSelector);
  }

  /**
   * One page of the objects in {@code namespace} (every namespace when null, and for cluster-scoped
   * kinds) that both selectors match.
   */
  Response list(
      String namespace,
      String limit,
      String continueToken,
      String labelSelector,
      String fieldSelector) {
    LabelSelectorQuery selector = LabelSelectorQuery.parse(labelSelector);
    FieldSelectorQuery fields = FieldSelectorQuery.parse(fieldSelector);
    List<T> all =
        store.get().list().stream()
            .filter(
                o ->
                    !namespaced
                        || namespace == null
                        || namespace.equals(o.getMetadata().getNamespace()))
            .filter(o -> selector.test(o.getMetadata().getLabels()))
            .filter(o -> fields.test(o.getMetadata()))
            .toList();
    ListPage<T> page =
        ListPage.of(
            all,
            ResourceCache::key,
            ListPage.limit(limit, settings.maxPageSize()),
            continueToken,
            settings.maxPageSize());
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("resourceVersion", Long.toString(changes.get().latest()));
    if (page.continueToken() != null) {
      metadata.put("continue", page.continueToken());
      metadata.put("remainingItemCount", page.remainingItemCount());
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("apiVersion", io.egressgw.api.v1.NetworkGatewayGroup.API_VERSION);
    body.put("kind", listKind);
    body.put("metadata", metadata);
    body.put("items", page.items());
    return Response.ok(StrictJson.write(body), "application/json").build();
  }

  /**
   * A Kubernetes-style watch of the objects in {@code namespace} (every namespace when null) that
   * both selectors match ({@link WatchStream}): from {@code resourceVersion} (a list's
   * metadata.resourceVersion; 410 when it is older than the kept events), or, without one, the
   * current objects as ADDED first. At most {@link RestSettings#maxWatchesPerClient()} per client
   * (429).
   */
  Response watch(
      String namespace,
      String resourceVersion,
      String labelSelector,
      String fieldSelector,
      String timeoutSeconds,
      boolean sse,
      String client) {
    LabelSelectorQuery labels = LabelSelectorQuery.parse(labelSelector);
    FieldSelectorQuery fields = FieldSelectorQuery.parse(fieldSelector);
    Long from = watchStart(resourceVersion);
    long timeout = watchTimeout(timeoutSeconds);
    if (!watches.acquire(client)) {
      Problem tooMany =
          new Problem(
              Problem.type("too-many-watches"),
              "Too Many Requests",
              429,
              "this client has "
                  + settings.maxWatchesPerClient()
                  + " watches open already; close one first",
              null,
              List.of(new Problem.FieldError("watch", "too many open watches")));
      return Response.status(429)
          .type(Problem.MEDIA_TYPE)
          .header("Retry-After", "5")
          .entity(StrictJson.write(tooMany))
          .build();
    }
    WatchChannel<T> channel = changes.get();
    var subscription =
        channel.open(
            from,
            store.get().list(),
            o ->
                (!namespaced
                        || namespace == null
                        || namespace.equals(o.getMetadata().getNamespace()))
                    && labels.test(o.getMetadata().getLabels())
                    && fields.test(o.getMetadata()));
    if (subscription.isEmpty()) {
      watches.release(client);
      throw ProblemException.of(
          410,
          "gone",
          "Gone",
          "resourceVersion " + resourceVersion + " is older than the changes kept; list again",
          "resourceVersion",
          "too old: list, then watch from the list's metadata.resourceVersion");
    }
    return Response.ok(
            new WatchStream(
                channel,
                subscription.get(),
                sse,
                apiVersion,
                kind,
                Duration.ofSeconds(settings.watchBookmarkSeconds()),
                Duration.ofSeconds(timeout),
                () -> watches.release(client)),
            sse ? "text/event-stream" : "application/json")
        .header("Cache-Control", "no-cache")
        .build();
  }

  private static Long watchStart(String resourceVersion) {
    if (resourceVersion == null || resourceVersion.isEmpty() || resourceVersion.equals("0")) {
      return null;
    }
    try {
      return Long.valueOf(resourceVersion);
    } catch (NumberFormatException e) {
      throw ProblemException.of(
          400,
          "bad-parameter",
          "Bad parameter",
          "resourceVersion must be one this API answered (a list's metadata.resourceVersion)",
          "resourceVersion",
          "not a resourceVersion: '" + resourceVersion + "'");
    }
  }

  private static long watchTimeout(String timeoutSeconds) {
    if (timeoutSeconds == null || timeoutSeconds.isEmpty()) {
      return 1800;
    }
    try {
      long seconds = Long.parseLong(timeoutSeconds);
      if (seconds >= 1 && seconds <= 3600) {
        return seconds;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw ProblemException.of(
        400,
        "bad-parameter",
        "Bad parameter",
        "timeoutSeconds must be a whole number between 1 and 3600",
        "timeoutSeconds",
        "not between 1 and 3600: '" + timeoutSeconds + "'");
  }

  Response get(String namespace, String name, String ifNoneMatch) {
    T object = store.get().getByKey(key(namespace, name));
    if (object == null) {
      throw notFound(namespace, name);
    }
    String tag = ETags.of(object);
    if (ifNoneMatch != null && ETags.noneMatchHits(ifNoneMatch, tag)) {
      return Response.notModified().tag(tag).build();
    }
    return Response.ok(StrictJson.write(object), "application/json").tag(tag).build();
  }

  /** The request body as the resource, strictly parsed, with metadata present. */
  private T readBody(InputStream body, String contentType) {
    T object =
        StrictJson.read(readBounded(body), StrictJson.isYaml(contentType), type, apiVersion, kind);
    if (object.getMetadata() == null) {
      object.setMetadata(new ObjectMeta());
    }
    return object;
  }

  /** A namespaced object takes the path's namespace; a different one in the body is a violation. */
  private void takeNamespaceFromPath(
      ObjectMeta meta, String namespace, List<Violation> violations) {
    if (!namespaced) {
      return;
    }
    if (meta.getNamespace() == null) {
      meta.setNamespace(namespace);
    } else if (!meta.getNamespace().equals(namespace)) {
      violations.add(
          new Violation(
              "metadata.namespace",
              "'"
                  + meta.getNamespace()
                  + "' differs from the namespace in the path, '"
                  + namespace
                  + "'"));
    }
  }

  Response create(String namespace, InputStream body, String contentType, URI collection) {
    T object = readBody(body, contentType);
    ObjectMeta meta = object.getMetadata();
    List<Violation> pathViolations = new ArrayList<>();
    takeNamespaceFromPath(meta, namespace, pathViolations);
    rejectIfAny(pathViolations);
    clearServerFields(meta);
    object.setStatus(null);
    admit(object);
    if (store.get().getByKey(ResourceCache.key(object)) != null) {
      throw alreadyExists(object);
    }
    T created;
    try {
      created =
          writes.write(
              "create",
              kind,
              ResourceCache.key(object),
              () -> api.apply(meta.getNamespace()).resource(object).create());
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        throw alreadyExists(object);
      }
      throw e;
    }
    awaitCached(created);
    URI location = UriBuilder.fromUri(collection).path(meta.getName()).build();
    return Response.created(location)
        .type("application/json")
        .entity(StrictJson.write(created))
        .tag(ETags.of(created))
        .build();
  }

  Response replace(
      String namespace, String name, InputStream body, String contentType, String ifMatch) {
    T object = readBody(body, contentType);
    checkAgainstPath(object.getMetadata(), namespace, name);
    admit(object);
    return writeChecked(namespace, name, ifMatch, current -> replacement(object, current));
  }

  /**
   * Applies a JSON merge patch (RFC 7396) to the spec, labels and annotations of the stored object,
   * then validates the result exactly as PUT validates a body: a field that does not parse is 400
   * naming it, an invalid result 422 or 409, and nothing is written. A status in the patch is
   * ignored, as in PUT.
   */
  Response patch(
      String namespace, String name, InputStream body, String contentType, String ifMatch) {
    if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith(MERGE_PATCH)) {
      throw ProblemException.of(
          415,
          "unsupported-media-type",
          "Unsupported Media Type",
          "PATCH takes a JSON merge patch: send it as " + MERGE_PATCH,
          "Content-Type",
          "not " + MERGE_PATCH + ": '" + contentType + "'");
    }
    ObjectNode patch = StrictJson.readMergePatch(readBounded(body));
    return writeChecked(
        namespace,
        name,
        ifMatch,
        current -> {
          ObjectNode editable = (ObjectNode) StrictJson.tree(current);
          editable.remove("status");
          ((ObjectNode) editable.get("metadata"))
              .retain("name", "namespace", "labels", "annotations");
          JsonNode merged = JsonMergePatch.apply(editable, patch);
          T object = StrictJson.read(StrictJson.bytes(merged), false, type, apiVersion, kind);
          if (object.getMetadata() == null) {
            object.setMetadata(new ObjectMeta());
          }
          checkAgainstPath(object.getMetadata(), namespace, name);
          admit(object);
          return replacement(object, current);
        });
  }

  /** The body's name and namespace must be the path's (or absent: then the path's). */
  private void checkAgainstPath(ObjectMeta meta, String namespace, String name) {
    List<Violation> pathViolations = new ArrayList<>();
    if (meta.getName() == null) {
      meta.setName(name);
    } else if (!meta.getName().equals(name)) {
      pathViolations.add(
          new Violation(
              "metadata.name",
              "'"
                  + meta.getName()
                  + "' differs from the name in the path, '"
                  + name
                  + "'; an object cannot be renamed"));
    }
    takeNamespaceFromPath(meta, namespace, pathViolations);
    rejectIfAny(pathViolations);
  }

  /**
   * What is written for a new version {@code object} of {@code current}: its spec, labels and
   * annotations, the rest of current's metadata (its resourceVersion, so the write is conditional)
   * and current's status.
   */
  private T replacement(T object, T current) {
    T update = StrictJson.copy(object, type);
    ObjectMeta kept = current.getMetadata();
    kept.setLabels(object.getMetadata().getLabels());
    kept.setAnnotations(object.getMetadata().getAnnotations());
    kept.setManagedFields(null);
    update.setMetadata(kept);
    setStatusFrom(update, current);
    return update;
  }

  /**
   * Writes what {@code change} makes of the stored object, under If-Match: the tag is compared with
   * the object read from the Kubernetes API (not the cache), and the write carries that object's
   * resourceVersion, so a change between the two is a 409 from Kubernetes. Then the object is read
   * and compared again: a status write by the controller leaves the tag as it was and the write is
   * retried; an edit by someone else no longer matches (412).
   */
  private Response writeChecked(
      String namespace, String name, String ifMatch, Function<T, T> change) {
    for (int attempt = 1; ; attempt++) {
      T current = api.apply(namespace).withName(name).get();
      if (current == null) {
        throw notFound(namespace, name);
      }
      String tag = ETags.of(current);
      if (ifMatch != null && !ETags.matches(ifMatch, tag)) {
        throw stale(namespace, name, ifMatch, tag);
      }
      T update = change.apply(current);
      try {
        T updated =
            writes.write(
                "update",
                kind,
                key(namespace, name),
                () -> api.apply(namespace).resource(update).update());
        awaitCached(updated);
        return Response.ok(StrictJson.write(updated), "application/json")
            .tag(ETags.of(updated))
            .build();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        if (attempt >= CONFLICT_RETRIES) {
          throw changedConcurrently(attempt);
        }
      }
    }
  }

  Response delete(String namespace, String name, String ifMatch) {
    return delete(namespace, name, ifMatch, DeletionGuard.none(), false);
  }

  /**
   * Deletes unless {@code guard} refuses (409 naming what still uses the object); with {@code
   * force} a refused object is first marked for the webhook, then deleted at that version.
   */
  Response delete(
      String namespace, String name, String ifMatch, DeletionGuard<T> guard, boolean force) {
    for (int attempt = 1; ; attempt++) {
      T current = api.apply(namespace).withName(name).get();
      if (current == null) {
        throw notFound(namespace, name);
      }
      String tag = ETags.of(current);
      if (ifMatch != null && !ETags.matches(ifMatch, tag)) {
        throw stale(namespace, name, ifMatch, tag);
      }
      Verdict verdict = guard.check(current);
      boolean lock = ifMatch != null && !ifMatch.trim().equals("*");
      try {
        if (!verdict.isAllowed()) {
          if (!force) {
            throw ProblemException.fromViolations(
                409,
                "in-use",
                "Conflict",
                type.getSimpleName()
                    + " "
                    + describe(current)
                    + " is still in use; delete with ?force=true to delete it anyway",
                verdict.violations());
          }
          T marked = current;
          current =
              writes.write(
                  "update",
                  kind,
                  key(namespace, name),
                  () -> api.apply(namespace).resource(guard.markForced(marked)).update());
          lock = true;
        }
        var target = api.apply(namespace).withName(name);
        String lockedVersion = lock ? current.getMetadata().getResourceVersion() : null;
        writes.write(
            "delete",
            kind,
            key(namespace, name),
            () ->
                lockedVersion != null
                    ? target.lockResourceVersion(lockedVersion).delete()
                    : target.delete());
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        if (attempt >= CONFLICT_RETRIES) {
          throw changedConcurrently(attempt);
        }
        continue;
      }
      cache.awaitCached(
          store.get(), key(namespace, name), null, Duration.ofMillis(settings.cacheWaitMillis()));
      return Response.noContent().build();
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void setStatusFrom(CustomResource target, CustomResource source) {
    target.setStatus(source.getStatus());
  }

  private void admit(T object) {
    Verdict verdict = admission.apply(object);
    switch (verdict.outcome()) {
      case ALLOWED -> {}
      case INVALID ->
          throw ProblemException.fromViolations(
              422,
              "invalid",
              "Invalid " + type.getSimpleName(),
              type.getSimpleName() + " " + describe(object) + " is invalid",
              verdict.violations());
      case CONFLICT ->
          throw ProblemException.fromViolations(
              409,
              "conflict",
              "Conflict",
              type.getSimpleName() + " " + describe(object) + " conflicts with a stored object",
              verdict.violations());
    }
  }

  private void rejectIfAny(List<Violation> violations) {
    if (!violations.isEmpty()) {
      throw ProblemException.fromViolations(
          422,
          "invalid",
          "Invalid " + type.getSimpleName(),
          "the body does not match the request path",
          violations);
    }
  }

  private byte[] readBounded(InputStream body) {
    int limit = settings.maxBodyBytes();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try (body) {
      int n;
      while ((n = body.read(buffer)) >= 0) {
        out.write(buffer, 0, n);
        if (out.size() > limit) {
          throw new ProblemException(
              413,
              "body-too-large",
              "Payload Too Large",
              "the request body is over the limit of " + limit + " bytes",
              List.of(new Problem.FieldError("body", "larger than " + limit + " bytes")));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private void awaitCached(T written) {
    cache.awaitCached(
        store.get(),
        ResourceCache.key(written),
        written.getMetadata().getResourceVersion(),
        Duration.ofMillis(settings.cacheWaitMillis()));
  }

  private static void clearServerFields(ObjectMeta meta) {
    meta.setResourceVersion(null);
    meta.setUid(null);
    meta.setCreationTimestamp(null);
    meta.setDeletionTimestamp(null);
    meta.setDeletionGracePeriodSeconds(null);
    meta.setGeneration(null);
    meta.setManagedFields(null);
    meta.setSelfLink(null);
  }

  private String key(String namespace, String name) {
    return namespaced ? namespace + "/" + name : name;
  }

  private String describe(T object) {
    ObjectMeta m = object.getMetadata();
    String name = m == null ? "(unnamed)" : Objects.toString(m.getName(), "(unnamed)");
    return namespaced && m != null && m.getNamespace() != null
        ? m.getNamespace() + "/" + name
        : name;
  }

  private ProblemException notFound(String namespace, String name) {
    String what = namespaced ? namespace + "/" + name : name;
    return ProblemException.of(
        404,
        "not-found",
        "Not Found",
        type.getSimpleName() + " " + what + " does not exist",
        "metadata.name",
        "no " + type.getSimpleName() + " named " + what);
  }

  private ProblemException alreadyExists(T object) {
    return ProblemException.of(
        409,
        "already-exists",
        "Conflict",
        type.getSimpleName() + " " + describe(object) + " already exists; replace it with PUT",
        "metadata.name",
        "already exists");
  }

  private static ProblemException changedConcurrently(int attempts) {
    return ProblemException.of(
        409,
        "conflict",
        "Conflict",
        "the object kept changing while it was being written; try again",
        "metadata.resourceVersion",
        "changed concurrently " + attempts + " times");
  }

  private ProblemException stale(String namespace, String name, String ifMatch, String tag) {
    String what = namespaced ? namespace + "/" + name : name;
    return ProblemException.of(
        412,
        "precondition-failed",
        "Precondition Failed",
        type.getSimpleName()
            + " "
            + what
            + " has changed since "
            + ifMatch.trim()
            + "; its ETag is now \""
            + tag
            + "\"",
        "If-Match",
        "does not match the current ETag; GET the object and retry");
  }
}
