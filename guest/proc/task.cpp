#include "proc/task.hpp"

#include "arch/percpu.hpp"
#include "arch/user.hpp"
#include "arch/vmem.hpp"
#include "kernel/string.hpp"
#include "mm/kheap.hpp"
#include "mm/phys.hpp"

namespace {

constexpr unsigned kStackOrder = 3;  // 32 KiB = CPU_BLOCK_SIZE
static_assert((phys::kPageSize << kStackOrder) == CPU_BLOCK_SIZE);

// A clean FPU state: FCW 0x37f, MXCSR 0x1f80, everything else zero (XSAVE header zero: the
// legacy region is taken as given and AVX state as initial).
void write_initial_state(uint8_t* area, uint32_t size) {
    memset(area, 0, size);
    area[0] = 0x7f;  // FCW
    area[1] = 0x03;
    const uint32_t mxcsr = 0x1f80;
    memcpy(area + 24, &mxcsr, 4);
    if (user::xsave_size() != 0) area[512] = 0x3;  // XSTATE_BV: x87 and SSE from the area
}

uint32_t fpu_area_size() {
    const uint32_t x = user::xsave_size();
    return x != 0 ? x : 512;
}

}  // namespace

Task* task_create(Process* proc) {
    Task* t = knew<Task>();
    if (!t) return nullptr;
    const uint64_t stack = phys::alloc(kStackOrder);
    t->fpu = static_cast<uint8_t*>(kmalloc(fpu_area_size() + 64));
    if (!stack || !t->fpu) {
        phys::free(stack, kStackOrder);
        kfree(t->fpu);
        kfree(t);
        return nullptr;
    }
    t->kstack = vmem::from_gpa<uint8_t>(stack);
    StackHeader* header = reinterpret_cast<StackHeader*>(t->kstack);
    header->cpu = this_cpu();
    header->task = t;
    t->frame = reinterpret_cast<TrapFrame*>(t->kstack + CPU_BLOCK_SIZE - sizeof(TrapFrame));
    memset(t->frame, 0, sizeof(TrapFrame));
    t->proc = proc;
    t->state = TaskState::Blocked;
    t->syscall_nr = -1;
    return t;
}

void task_destroy(Task* task) {
    if (!task) return;
    phys::free(vmem::to_gpa(task->kstack), kStackOrder);
    kfree(task->fpu);
    kfree(task);
}

Task* current() {
    return this_cpu()->current;
}

static uint8_t* aligned_fpu(const Task* task) {
    return reinterpret_cast<uint8_t*>((reinterpret_cast<uint64_t>(task->fpu) + 63) & ~uint64_t(63));
}

void fpu_save(Task* task) {
    if (!task->fpu) return;
    uint8_t* area = aligned_fpu(task);
    if (user::xsave_size() != 0) {
        const uint64_t mask = user::xcr0();
        asm volatile("xsaveopt64 %0"
                     : "+m"(*area)
                     : "a"(uint32_t(mask)), "d"(uint32_t(mask >> 32))
                     : "memory");
    } else {
        asm volatile("fxsave64 %0" : "+m"(*area)::"memory");
    }
}

void fpu_restore(const Task* task) {
    if (!task->fpu) return;
    const uint8_t* area = aligned_fpu(task);
    if (user::xsave_size() != 0) {
        const uint64_t mask = user::xcr0();
        asm volatile("xrstor64 %0" ::"m"(*area), "a"(uint32_t(mask)), "d"(uint32_t(mask >> 32))
                     : "memory");
    } else {
        asm volatile("fxrstor64 %0" ::"m"(*area) : "memory");
    }
}

void fpu_init_state(Task* task) {
    if (task->fpu) write_initial_state(aligned_fpu(task), fpu_area_size());
}
