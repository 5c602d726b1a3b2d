#include "kernel/console.hpp"

#include "arch/percpu.hpp"
#include "domus/abi/hypercall.h"
#include "kernel/format.hpp"
#include "kernel/platform.hpp"
#include "kernel/spinlock.hpp"

namespace {

constinit Spinlock g_lock;
// One buffer for all vCPUs, used only under g_lock (platform_console_write hands its GPA to
// HC_CONSOLE_WRITE).
char g_buffer[DOMUS_CONSOLE_WRITE_MAX];
size_t g_length = 0;

void flush() {
    if (g_length > 0) platform_console_write(g_buffer, g_length);
    g_length = 0;
}

void put(FormatSink*, char c) {
    if (g_length == sizeof(g_buffer)) flush();
    g_buffer[g_length++] = c;
}

void emit(const char* format, __builtin_va_list args) {
    FormatSink sink{put};
    format_v(&sink, format, args);
    flush();
}

}  // namespace

void kprintf(const char* format, ...) {
    const uint32_t me = this_cpu()->index;
    const bool acquired = g_lock.lock(me);
    if (!acquired) flush();  // re-entered on this vCPU: keep what the outer call had so far
    __builtin_va_list args;
    __builtin_va_start(args, format);
    emit(format, args);
    __builtin_va_end(args);
    if (acquired) g_lock.unlock();
}

void kprintf_panic(const char* format, ...) {
    const uint32_t me = this_cpu()->index;
    bool acquired = false;
    if (g_lock.held_by(me)) {
        flush();
    } else {
        acquired = g_lock.try_lock_for(me, 1u << 24);  // else print anyway: better garbled
    }
    __builtin_va_list args;
    __builtin_va_start(args, format);
    emit(format, args);
    __builtin_va_end(args);
    if (acquired) g_lock.unlock();
}
