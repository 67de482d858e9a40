/** Time sources: the monotonic clock that liveness and timeouts measure with (no I/O). */
package io.egressgw.time;
