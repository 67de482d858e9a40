// New UDP flows at a fixed rate, for src/test/bench/replication-lag-bench.sh (issue 13): one
// datagram per flow from a raw socket (the kernel adds the IP header with this namespace's
// address), flow i from source port SPORT + i % SPORTS to DST:DPORT + i / SPORTS, sent at
// start + i / RATE (absolute clock_nanosleep; a late flow goes at once, so the schedule holds on
// average). Writes "sport dport sent-at-epoch-ns" per flow to OUT and prints
// "flows first-to-last-seconds achieved-rate" on stdout. Bounded: COUNT datagrams, then exit.
//   flowgen DST DPORT SPORT SPORTS COUNT RATE OUT
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static int64_t ns(clockid_t c) {
  struct timespec t;
  clock_gettime(c, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 8) {
    fprintf(stderr, "usage: flowgen DST DPORT SPORT SPORTS COUNT RATE OUT\n");
    return 2;
  }
  struct sockaddr_in dst = {.sin_family = AF_INET};
  if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) {
    fprintf(stderr, "bad address %s\n", argv[1]);
    return 2;
  }
  int dport = atoi(argv[2]), sport = atoi(argv[3]), sports = atoi(argv[4]);
  long count = atol(argv[5]);
  double rate = atof(argv[6]);
  if (sports <= 0 || count <= 0 || rate <= 0 || sport + sports > 65536 ||
      dport + (count - 1) / sports > 65535) {
    fprintf(stderr, "bad ports, count or rate\n");
    return 2;
  }
  int fd = socket(AF_INET, SOCK_RAW, IPPROTO_UDP);
  if (fd < 0) {
    perror("socket");
    return 1;
  }
  int64_t *sent = calloc(count, sizeof(int64_t));
  unsigned char pkt[8 + 16] = {0};
  pkt[5] = sizeof(pkt); // UDP length, checksum 0 (none, allowed for IPv4)
  int64_t start = ns(CLOCK_MONOTONIC) + 1000000, first = 0, last = 0;
  for (long i = 0; i < count; i++) {
    int64_t at = start + (int64_t)(i * 1e9 / rate);
    struct timespec t = {at / 1000000000, at % 1000000000};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
    uint16_t s = htons(sport + i % sports), d = htons(dport + i / sports);
    memcpy(pkt, &s, 2);
    memcpy(pkt + 2, &d, 2);
    sent[i] = ns(CLOCK_REALTIME);
    if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
      perror("sendto");
      return 1;
    }
    if (i == 0) first = ns(CLOCK_MONOTONIC);
    last = ns(CLOCK_MONOTONIC);
  }
  FILE *out = fopen(argv[7], "w");
  if (!out) {
    perror(argv[7]);
    return 1;
  }
  for (long i = 0; i < count; i++) {
    fprintf(out, "%ld %ld %lld\n", sport + i % sports, dport + i / sports, (long long)sent[i]);
  }
  fclose(out);
  double span = (last - first) / 1e9;
  printf("%ld %.3f %.0f\n", count, span, span > 0 ? (count - 1) / span : 0);
  return 0;
}
