// Kicking a vCPU thread out of KVM_RUN: an empty signal handler installed without SA_RESTART,
// so the ioctl returns EINTR; the caller sets run->immediate_exit first (kvm-host.md).
#pragma once

#include <pthread.h>

#include "base/result.hpp"

namespace domus::vmm {

Status install_kick_handler();
void kick_thread(pthread_t thread);

}  // namespace domus::vmm
