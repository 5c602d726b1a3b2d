/* POSIX threads: mutexes, condition variables, a turn-taking hand-off, a barrier, thread-local
 * storage, join values and thread exit. The output is the same on every run and every machine. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NTHREADS 4
#define INCREMENTS 200000
#define ITEMS 2000
#define ROUNDS 6
#define PINGS 300

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void* incrementer(void* arg) {
    (void)arg;
    for (int i = 0; i < INCREMENTS; ++i) {
        pthread_mutex_lock(&counter_lock);
        ++counter;
        pthread_mutex_unlock(&counter_lock);
    }
    return NULL;
}

/* A bounded queue: one producer, NTHREADS consumers. */
static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t q_not_full = PTHREAD_COND_INITIALIZER;
static int queue[8];
static int q_head, q_count, q_done;

static void* producer(void* arg) {
    (void)arg;
    for (int i = 1; i <= ITEMS; ++i) {
        pthread_mutex_lock(&q_lock);
        while (q_count == 8) pthread_cond_wait(&q_not_full, &q_lock);
        queue[(q_head + q_count) % 8] = i;
        ++q_count;
        pthread_cond_signal(&q_not_empty);
        pthread_mutex_unlock(&q_lock);
    }
    pthread_mutex_lock(&q_lock);
    q_done = 1;
    pthread_cond_broadcast(&q_not_empty);
    pthread_mutex_unlock(&q_lock);
    return NULL;
}

static void* consumer(void* arg) {
    long sum = 0;
    long items = 0;
    for (;;) {
        pthread_mutex_lock(&q_lock);
        while (q_count == 0 && !q_done) pthread_cond_wait(&q_not_empty, &q_lock);
        if (q_count == 0 && q_done) {
            pthread_mutex_unlock(&q_lock);
            break;
        }
        int v = queue[q_head];
        q_head = (q_head + 1) % 8;
        --q_count;
        pthread_cond_signal(&q_not_full);
        pthread_mutex_unlock(&q_lock);
        sum += v;
        ++items;
    }
    long* out = (long*)arg;
    out[0] = sum;
    out[1] = items;
    return NULL;
}

/* Turn-taking: thread i may append only when turn % NTHREADS == i. */
static pthread_mutex_t turn_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_cond = PTHREAD_COND_INITIALIZER;
static int turn;
static char order[NTHREADS * ROUNDS + 1];

static void* taker(void* arg) {
    int id = (int)(intptr_t)arg;
    for (int r = 0; r < ROUNDS; ++r) {
        pthread_mutex_lock(&turn_lock);
        while (turn % NTHREADS != id) pthread_cond_wait(&turn_cond, &turn_lock);
        order[turn] = (char)('A' + id);
        ++turn;
        pthread_cond_broadcast(&turn_cond);
        pthread_mutex_unlock(&turn_lock);
    }
    return NULL;
}

/* A barrier: every thread writes its slot, waits, then reads everyone's. */
static pthread_barrier_t barrier;
static int slots[NTHREADS];
static int seen_total[NTHREADS];
static int seen_tls[NTHREADS];
static __thread int my_tls = 100;

static void* barrier_worker(void* arg) {
    int id = (int)(intptr_t)arg;
    my_tls += id; /* each thread has its own copy */
    slots[id] = (id + 1) * 10;
    int serial = pthread_barrier_wait(&barrier) == PTHREAD_BARRIER_SERIAL_THREAD;
    int total = 0;
    for (int i = 0; i < NTHREADS; ++i) total += slots[i];
    seen_total[id] = total;
    seen_tls[id] = my_tls;
    /* the serial flag goes to exactly one thread */
    return (void*)(intptr_t)serial;
}

static void* exiter(void* arg) {
    (void)arg;
    pthread_exit((void*)(intptr_t)1234);
    return NULL;
}

/* Two threads on different vCPUs: a lock-free ping-pong through an atomic. */
static volatile int ping;

static void* ponger(void* arg) {
    (void)arg;
    for (int i = 0; i < PINGS; ++i) {
        while (__atomic_load_n(&ping, __ATOMIC_ACQUIRE) != 2 * i + 1) sched_yield();
        __atomic_store_n(&ping, 2 * i + 2, __ATOMIC_RELEASE);
    }
    return NULL;
}

static void check(int rc, const char* what) {
    if (rc != 0) {
        printf("%s failed: %s\n", what, strerror(rc));
        exit(1);
    }
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t t[NTHREADS + 1];

    for (int i = 0; i < NTHREADS; ++i)
        check(pthread_create(&t[i], NULL, incrementer, NULL), "create");
    for (int i = 0; i < NTHREADS; ++i) check(pthread_join(t[i], NULL), "join");
    printf("mutex counter: %ld (expected %d)\n", counter, NTHREADS * INCREMENTS);

    long results[NTHREADS][2];
    check(pthread_create(&t[NTHREADS], NULL, producer, NULL), "create producer");
    for (int i = 0; i < NTHREADS; ++i)
        check(pthread_create(&t[i], NULL, consumer, results[i]), "create");
    long sum = 0, items = 0;
    for (int i = 0; i < NTHREADS; ++i) {
        check(pthread_join(t[i], NULL), "join");
        sum += results[i][0];
        items += results[i][1];
    }
    check(pthread_join(t[NTHREADS], NULL), "join producer");
    printf("queue: %ld items, sum %ld (expected %d)\n", items, sum, ITEMS * (ITEMS + 1) / 2);

    for (int i = NTHREADS - 1; i >= 0; --i) {
        check(pthread_create(&t[i], NULL, taker, (void*)(intptr_t)i), "create");
    }
    for (int i = 0; i < NTHREADS; ++i) check(pthread_join(t[i], NULL), "join");
    printf("turns: %s\n", order);

    check(pthread_barrier_init(&barrier, NULL, NTHREADS), "barrier init");
    for (int i = 0; i < NTHREADS; ++i) {
        check(pthread_create(&t[i], NULL, barrier_worker, (void*)(intptr_t)i), "create");
    }
    int serials = 0;
    for (int i = 0; i < NTHREADS; ++i) {
        void* ret;
        check(pthread_join(t[i], &ret), "join");
        serials += (int)(intptr_t)ret;
        printf("barrier thread %d: saw total %d, tls %d\n", i, seen_total[i], seen_tls[i]);
    }
    pthread_barrier_destroy(&barrier);
    printf("barrier serial threads: %d\n", serials);
    printf("main tls: %d\n", my_tls);

    void* ret;
    check(pthread_create(&t[0], NULL, exiter, NULL), "create");
    check(pthread_join(t[0], &ret), "join");
    printf("pthread_exit value: %ld\n", (long)(intptr_t)ret);

    check(pthread_create(&t[0], NULL, ponger, NULL), "create");
    for (int i = 0; i < PINGS; ++i) {
        __atomic_store_n(&ping, 2 * i + 1, __ATOMIC_RELEASE);
        while (__atomic_load_n(&ping, __ATOMIC_ACQUIRE) != 2 * i + 2) sched_yield();
    }
    check(pthread_join(t[0], NULL), "join");
    printf("ping-pong: %d\n", ping);

    /* Threads share the process id and have their own thread ids. */
    pid_t main_tid = (pid_t)syscall(SYS_gettid);
    printf("main thread tid == pid: %s\n", main_tid == getpid() ? "yes" : "no");

    /* A timed wait times out. */
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t c = PTHREAD_COND_INITIALIZER;
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += 20 * 1000 * 1000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_nsec -= 1000000000;
        deadline.tv_sec += 1;
    }
    pthread_mutex_lock(&m);
    int rc = pthread_cond_timedwait(&c, &m, &deadline);
    pthread_mutex_unlock(&m);
    printf("timedwait: %s\n", rc == ETIMEDOUT ? "ETIMEDOUT" : "unexpected");
    printf("threads done\n");
    return 0;
}
