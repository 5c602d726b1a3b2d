/* ITIMER_REAL and alarm(2), with output that is the same on any Linux: setitimer's periodic
 * SIGALRM, getitimer's remaining time and interval, alarm's return value, pause interrupted by
 * SIGALRM, SIGALRM's default action, and the refusals (EINVAL, EFAULT). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t alarms;

static void on_alarm(int sig) {
    (void)sig;
    ++alarms;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);

    printf("alarm(0) = %u\n", alarm(0));
    printf("alarm(5) = %u\n", alarm(5));
    printf("alarm(2) = %u\n", alarm(2));
    printf("alarm(0) = %u\n", alarm(0));

    struct itimerval it = {{0, 20000}, {0, 30000}}, old;
    printf("setitimer = %d\n", setitimer(ITIMER_REAL, &it, NULL));
    sigset_t block, none;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    sigprocmask(SIG_BLOCK, &block, &none);
    sigemptyset(&none);
    while (alarms < 3) sigsuspend(&none);
    /* Read while SIGALRM is still blocked: a later expiry (a loaded machine may take longer than
     * the 20 ms period to get here) stays pending instead of counting a fourth. */
    const int seen = (int)alarms;
    sigprocmask(SIG_UNBLOCK, &block, NULL);
    printf("alarms = %d\n", seen);
    struct itimerval now;
    getitimer(ITIMER_REAL, &now);
    printf("interval = %ld.%06ld\n", (long)now.it_interval.tv_sec, (long)now.it_interval.tv_usec);
    printf("value in (0, 20ms] = %s\n",
           now.it_value.tv_sec == 0 && now.it_value.tv_usec > 0 && now.it_value.tv_usec <= 20000
               ? "yes"
               : "no");
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, &old);
    printf("old interval = %ld.%06ld\n", (long)old.it_interval.tv_sec,
           (long)old.it_interval.tv_usec);
    getitimer(ITIMER_REAL, &now);
    printf("disarmed = %s\n", now.it_value.tv_sec == 0 && now.it_value.tv_usec == 0 ? "yes" : "no");

    alarms = 0;
    alarm(1);
    const int r = pause();
    printf("pause = %d %s, alarms = %d\n", r, strerror(errno), (int)alarms);

    struct itimerval bad = {{0, 0}, {0, 1000000}};
    errno = 0;
    printf("usec 1000000: %d %s\n", setitimer(ITIMER_REAL, &bad, NULL), strerror(errno));
    bad.it_value.tv_usec = 0;
    bad.it_value.tv_sec = -1;
    errno = 0;
    printf("negative: %d %s\n", setitimer(ITIMER_REAL, &bad, NULL), strerror(errno));
    errno = 0;
    printf("bad pointer: %d %s\n", setitimer(ITIMER_REAL, (void*)8, NULL), strerror(errno));
    errno = 0;
    printf("which 9: %d %s\n", setitimer(9, &it, NULL), strerror(errno));

    const pid_t child = fork();
    if (child == 0) {
        signal(SIGALRM, SIG_DFL);
        struct itimerval inherited;
        getitimer(ITIMER_REAL, &inherited);
        alarm(1);
        pause();
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    printf("child killed by %s\n",
           WIFSIGNALED(status) ? (WTERMSIG(status) == SIGALRM ? "SIGALRM" : "another signal")
                               : "nothing");
    printf("timers: done\n");
    return 0;
}
