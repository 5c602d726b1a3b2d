// Selftest bookkeeping shared by the selftest files. Output, one line per check:
//   selftest: <name> ... ok
//   selftest: <name> ... FAILED (<detail>)
//   selftest: <name> ... skipped (<reason>)      (not counted)
//   selftest: note: <information>                (no " ... ")
//   selftest: <N> passed, <M> failed             (last line)
#pragma once

#include <stdint.h>

struct SelftestResults {
    uint32_t passed;
    uint32_t failed;
};

// Records one check; the detail (printf-style) is printed only when it failed.
[[gnu::format(printf, 4, 5)]] bool selftest_check(SelftestResults* results, const char* name,
                                                  bool ok, const char* detail, ...);
void selftest_skip(const char* name, const char* reason);

void selftest_hypercalls(SelftestResults* results);
