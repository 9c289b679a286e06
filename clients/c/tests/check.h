/* A minimal test harness: CHECK records a failure and goes on; RUN prints one line per
 * test; check_summary prints the "N passed, N failed" line tests/run.sh adds up. */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>

static int check_failures_in_test, check_passed, check_failed;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            check_failures_in_test++;                                                 \
            fprintf(stderr, "    %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
        }                                                                             \
    } while (0)

#define CHECKF(cond, ...)                                                             \
    do {                                                                              \
        if (!(cond)) {                                                                \
            check_failures_in_test++;                                                 \
            fprintf(stderr, "    %s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                             \
            fputc('\n', stderr);                                                      \
        }                                                                             \
    } while (0)

static inline void check_report(const char *name) {
    if (check_failures_in_test) {
        check_failed++;
        printf("FAIL %s\n", name);
    } else {
        check_passed++;
        printf("ok   %s\n", name);
    }
    fflush(stdout);
    check_failures_in_test = 0;
}

#define RUN(test)          \
    do {                   \
        test();            \
        check_report(#test); \
    } while (0)

static inline int check_summary(void) {
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
