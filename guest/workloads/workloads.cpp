// Maps the command line's workload to its implementation.
#include "workloads/workloads.hpp"
#include "domus/abi/hypercall.h"

WorkloadExit run_workload(const Options& options) {
    switch (options.workload) {
        case Workload::Hello:
            return run_hello(options);
        case Workload::Selftest:
            return run_selftest(options);
        case Workload::Bench:
            return run_bench(options);
        case Workload::Service:
            return run_service(options);
        case Workload::HostileVirtio:
            return run_hostile_virtio(options);
        case Workload::HostileNet:
            return run_hostile_net(options);
        case Workload::NetReflect:
            return run_net_reflect(options);
        case Workload::Crash:
            run_crash();
        case Workload::TripleFault:
            run_triplefault();
    }
    return {DOMUS_SHUTDOWN_CRASH, 0xff};
}
