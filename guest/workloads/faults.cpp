// Test-only workloads that end the domain abnormally, to exercise the monitor's handling:
// crash (an unexpected #UD through the exception path to HC_SHUTDOWN(CRASH, 6)) and
// triplefault (no usable IDT, so the first exception shuts the vCPU down).
#include "arch/descriptors.hpp"
#include "arch/pvm.hpp"
#include "kernel/console.hpp"
#include "workloads/workloads.hpp"

void run_crash() {
    kprintf("crash: executing ud2, expect exception 6 and a crash shutdown\n");
    asm volatile("ud2" ::: "memory");
    __builtin_unreachable();
}

void run_triplefault() {
    kprintf("triplefault: loading an empty IDT and executing int3, expect a triple fault\n");
    irq::disable();
    idt_load_empty_and_fault();
}
