package io.egressgw.rest;

import io.egressgw.rest.WatchChannel.Event;
import io.egressgw.rest.WatchChannel.Subscription;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One open watch written to the client, as Kubernetes does: one JSON object a line, {@code
 * {"type":"ADDED|MODIFIED|DELETED|BOOKMARK","object":{...}}}, or the same objects as Server-Sent
 * Events (event: the type, id: the resourceVersion, data: the object line). A BOOKMARK (an object
 * with only apiVersion, kind and metadata.resourceVersion) goes out whenever nothing else did for
 * the bookmark interval, so that a client knows where to resume and a dead connection is noticed.
 * The stream ends after its timeout, when the client falls behind by a whole queue, or when the
 * client goes away; it runs on a worker thread while it is open.
 */
final class WatchStream implements StreamingOutput {
  private final WatchChannel<?> channel;
  private final Subscription subscription;
  private final boolean sse;
  private final String apiVersion;
  private final String kind;
  private final Duration bookmarkEvery;
  private final Duration timeout;
  private final Runnable onClose;

  WatchStream(
      WatchChannel<?> channel,
      Subscription subscription,
      boolean sse,
      String apiVersion,
      String kind,
      Duration bookmarkEvery,
      Duration timeout,
      Runnable onClose) {
    this.channel = channel;
    this.subscription = subscription;
    this.sse = sse;
    this.apiVersion = apiVersion;
    this.kind = kind;
    this.bookmarkEvery = bookmarkEvery;
    this.timeout = timeout;
    this.onClose = onClose;
  }

  @Override
  public void write(OutputStream out) throws IOException {
    try {
      for (Event e : subscription.replay) {
        send(out, e.type(), e.object(), e.resourceVersion());
      }
      bookmark(out);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!subscription.overflowed) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        Event e =
            subscription.queue.poll(Math.min(bookmarkEvery.toNanos(), left), TimeUnit.NANOSECONDS);
        if (e == null) {
          bookmark(out);
        } else {
          send(out, e.type(), e.object(), e.resourceVersion());
          out.flush();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      channel.close(subscription);
      onClose.run();
    }
  }

  private void bookmark(OutputStream out) throws IOException {
    long latest = channel.latest();
    Map<String, Object> object = new LinkedHashMap<>();
    object.put("apiVersion", apiVersion);
    object.put("kind", kind);
    object.put("metadata", Map.of("resourceVersion", Long.toString(latest)));
    send(out, "BOOKMARK", object, latest);
    out.flush();
  }

  private void send(OutputStream out, String type, Object object, long resourceVersion)
      throws IOException {
    Map<String, Object> event = new LinkedHashMap<>();
    event.put("type", type);
    event.put("object", object);
    String line = StrictJson.write(event);
    String text =
        sse
            ? "id: " + resourceVersion + "\nevent: " + type + "\ndata: " + line + "\n\n"
            : line + "\n";
    out.write(text.getBytes(StandardCharsets.UTF_8));
  }
}
