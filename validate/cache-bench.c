// The measurement behind `npm run validate:cache` (validate/cache.ts), after the seed deliverable's
// figure 14: a task of fixed data size time-shared round robin on one CPU with a CPU-bound co-runner
// whose data size varies. Modes:
//   lat <bytes>                       ns per dependent load, chasing a random cycle over <bytes>
//   bw <bytes>                        bytes per second of a sequential read-modify-write sweep
//   rr <cpu> <fixed> <other> <steps> [quantum-us]
//                                     fixed: <steps> loads chasing over <fixed> bytes; co-runner: sweeps
//                                     <other> bytes (0: an arithmetic loop, like `yes`; -1: none); both
//                                     SCHED_RR at one priority on <cpu> (100 ms quanta), or with a quantum:
//                                     SCHED_FIFO, each calling sched_yield after that much CPU time — round
//                                     robin at a chosen quantum without touching sched_rr_timeslice_ms,
//                                     which the machine's other users share. Prints the fixed task's CPU ns.
// Build: cc -O2 -o cache-bench cache-bench.c

#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LINE 64

struct node { struct node *next; char pad[LINE - sizeof(struct node *)]; };

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_rand(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

/** One random cycle through every line (Sattolo's shuffle): no prefetcher can guess the next line. */
static struct node *make_cycle(size_t bytes) {
  size_t n = bytes / LINE;
  if (n < 2) n = 2;
  struct node *a = aligned_alloc(LINE, n * LINE);
  size_t *order = malloc(n * sizeof *order);
  for (size_t i = 0; i < n; i++) order[i] = i;
  for (size_t i = n - 1; i > 0; i--) { size_t j = next_rand() % i; size_t t = order[i]; order[i] = order[j]; order[j] = t; }
  for (size_t i = 0; i < n; i++) a[order[i]].next = &a[order[(i + 1) % n]];
  free(order);
  return a;
}

double now_ns(clockid_t clock) { struct timespec t; clock_gettime(clock, &t); return t.tv_sec * 1e9 + t.tv_nsec; }

static double quantum_ns = 0; /* 0: the kernel's round robin */

double now_ns(clockid_t clock);

/** Yield the CPU once `quantum_ns` of CPU time passed since the last yield (checked every 4096 units of work). */
static void maybe_yield(double *since) {
  if (quantum_ns <= 0) return;
  double t = now_ns(CLOCK_THREAD_CPUTIME_ID);
  if (t - *since >= quantum_ns) { sched_yield(); *since = now_ns(CLOCK_THREAD_CPUTIME_ID); }
}

static struct node *chase(struct node *p, long steps) {
  double since = now_ns(CLOCK_THREAD_CPUTIME_ID);
  while (steps > 0) {
    long chunk = steps < 4096 ? steps : 4096;
    steps -= chunk;
    while (chunk-- > 0) p = p->next;
    maybe_yield(&since);
  }
  return p;
}

static void pin(int cpu, int rr) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) { perror("sched_setaffinity"); exit(2); }
  if (rr) {
    struct sched_param sp = { .sched_priority = 10 };
    if (sched_setscheduler(0, quantum_ns > 0 ? SCHED_FIFO : SCHED_RR, &sp) != 0) { perror("sched_setscheduler (needs root)"); exit(2); }
  }
}

static void sweep_forever(size_t bytes) {
  volatile unsigned long *a = NULL;
  size_t n = bytes / sizeof(unsigned long);
  if (bytes > 0) { a = aligned_alloc(LINE, bytes); for (size_t i = 0; i < n; i++) a[i] = i; }
  unsigned long x = 1;
  double since = now_ns(CLOCK_THREAD_CPUTIME_ID);
  for (;;) {
    if (bytes == 0) { for (int i = 0; i < 1 << 14; i++) x = x * 6364136223846793005ul + 1; a = (volatile unsigned long *)x; a = NULL; maybe_yield(&since); continue; }
    for (size_t i = 0; i < n; i += LINE / sizeof(unsigned long)) {
      a[i] += x;
      if ((i & 0x3fff) == 0) maybe_yield(&since);
    }
    maybe_yield(&since);
  }
}

int main(int argc, char **argv) {
  if (argc >= 3 && argv[1][0] == 'l') {
    size_t bytes = strtoull(argv[2], 0, 10);
    struct node *p = make_cycle(bytes);
    long n = bytes / LINE, steps = n < 4000000 ? 4000000 : n;
    p = chase(p, n); // warm
    double t0 = now_ns(CLOCK_MONOTONIC);
    p = chase(p, steps);
    printf("%.3f\n", (now_ns(CLOCK_MONOTONIC) - t0) / steps + (p == NULL));
    return 0;
  }
  if (argc >= 3 && argv[1][0] == 'b') {
    size_t bytes = strtoull(argv[2], 0, 10), n = bytes / sizeof(unsigned long);
    volatile unsigned long *a = aligned_alloc(LINE, bytes);
    for (size_t i = 0; i < n; i++) a[i] = i;
    double t0 = now_ns(CLOCK_MONOTONIC);
    for (int r = 0; r < 8; r++) for (size_t i = 0; i < n; i += LINE / sizeof(unsigned long)) a[i] += r;
    printf("%.0f\n", 8.0 * bytes / ((now_ns(CLOCK_MONOTONIC) - t0) / 1e9));
    return 0;
  }
  if (argc >= 6 && argv[1][0] == 'r') {
    int cpu = atoi(argv[2]);
    size_t fixed = strtoull(argv[3], 0, 10);
    long other = atol(argv[4]), steps = atol(argv[5]);
    if (argc >= 7) quantum_ns = atof(argv[6]) * 1e3;
    struct node *p = make_cycle(fixed);
    pin(cpu, 1);
    pid_t co = -1;
    if (other >= 0) {
      co = fork();
      if (co == 0) sweep_forever((size_t)other);
      usleep(1000); // let the co-runner allocate and start before the fixed task's work
    }
    p = chase(p, fixed / LINE); // its own first load, as hvsim's solo demand includes it
    double c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
    p = chase(p, steps);
    double cpu_ns = now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0;
    if (co > 0) { kill(co, SIGKILL); waitpid(co, 0, 0); }
    printf("%.0f\n", cpu_ns + (p == NULL));
    return 0;
  }
  fprintf(stderr, "usage: cache-bench lat <bytes> | bw <bytes> | rr <cpu> <fixed-bytes> <other-bytes|0|-1> <steps>\n");
  return 2;
}
