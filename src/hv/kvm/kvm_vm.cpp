// A KVM VM: memory slots and vCPU creation.
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <cstring>
#include <utility>
#include <vector>

#include "hv/hypervisor.hpp"
#include "hv/kvm/kvm_util.hpp"

namespace domus::hv {

using kvm::kvm_error;

Status Vm::set_memory(uint32_t slot, uint64_t gpa, uint64_t size, void* host) {
    struct kvm_userspace_memory_region region {};
    region.slot = slot;
    region.guest_phys_addr = gpa;
    region.memory_size = size;
    region.userspace_addr = reinterpret_cast<uint64_t>(host);
    if (::ioctl(fd_.get(), KVM_SET_USER_MEMORY_REGION, &region) != 0) {
        return kvm_error("KVM_SET_USER_MEMORY_REGION");
    }
    return {};
}

Status Vm::signal_msi(uint32_t apic_id, uint8_t vector) const {
    struct kvm_msi msi {};
    msi.address_lo = 0xfee00000u | ((apic_id & 0xff) << 12);  // physical destination
    msi.address_hi = 0;
    msi.data = vector;  // fixed delivery, edge
    if (::ioctl(fd_.get(), KVM_SIGNAL_MSI, &msi) < 0) return kvm_error("KVM_SIGNAL_MSI");
    return {};
}

uint32_t Vm::apic_bus_cycle_ns() const {
    constexpr long kCapApicBusCyclesNs = 229;  // KVM_CAP_X86_APIC_BUS_CYCLES_NS (Linux 6.11)
    const int r = ::ioctl(fd_.get(), KVM_CHECK_EXTENSION, kCapApicBusCyclesNs);
    return r > 0 ? static_cast<uint32_t>(r) : 1;
}

Status Vm::add_msi_irqfd(int eventfd, uint32_t apic_id, uint8_t vector) {
    // GSIs below 24 are the split irqchip's (absent) IOAPIC pins.
    std::vector<MsiRoute> routes = msi_routes_;
    routes.push_back({24 + static_cast<uint32_t>(routes.size()), apic_id, vector});
    // kvm_irq_routing laid out as C does (kvm_util.hpp): the header, then the entries.
    std::vector<uint8_t> blob(sizeof(kvm::CHeader) + routes.size() * sizeof(kvm_irq_routing_entry));
    auto* header = reinterpret_cast<kvm::CHeader*>(blob.data());
    header->count = static_cast<uint32_t>(routes.size());
    header->pad = 0;
    auto* entries = reinterpret_cast<kvm_irq_routing_entry*>(blob.data() + sizeof(kvm::CHeader));
    for (size_t i = 0; i < routes.size(); ++i) {
        kvm_irq_routing_entry e{};
        e.gsi = routes[i].gsi;
        e.type = KVM_IRQ_ROUTING_MSI;
        e.u.msi.address_lo = 0xfee00000u | ((routes[i].apic_id & 0xff) << 12);
        e.u.msi.data = routes[i].vector;  // fixed delivery, edge
        std::memcpy(&entries[i], &e, sizeof e);
    }
    if (::ioctl(fd_.get(), kvm::kSetGsiRouting, blob.data()) != 0) {
        return kvm_error("KVM_SET_GSI_ROUTING");
    }
    struct kvm_irqfd irqfd {};
    irqfd.fd = static_cast<uint32_t>(eventfd);
    irqfd.gsi = routes.back().gsi;
    if (::ioctl(fd_.get(), KVM_IRQFD, &irqfd) != 0) return kvm_error("KVM_IRQFD");
    msi_routes_ = std::move(routes);
    return {};
}

Status Vm::add_mmio_ioeventfd(int eventfd, uint64_t gpa, uint32_t len) {
    ioeventfds_.reserve(ioeventfds_.size() + 1);  // so that push_back cannot fail below
    IoEventFd reg;
    reg.eventfd = Fd(::fcntl(eventfd, F_DUPFD_CLOEXEC, 0));
    if (!reg.eventfd.valid()) return kvm_error("dup of an ioeventfd");
    struct kvm_ioeventfd io {};
    io.addr = gpa;
    io.len = len;
    io.fd = reg.eventfd.get();
    if (::ioctl(fd_.get(), KVM_IOEVENTFD, &io) != 0) return kvm_error("KVM_IOEVENTFD");
    reg.vm_fd = fd_.get();
    reg.gpa = gpa;
    reg.len = len;
    ioeventfds_.push_back(std::move(reg));
    return {};
}

Vm::IoEventFd::IoEventFd(IoEventFd&& other) noexcept
    : vm_fd(std::exchange(other.vm_fd, -1)),
      eventfd(std::move(other.eventfd)),
      gpa(other.gpa),
      len(other.len) {}

Vm::IoEventFd::~IoEventFd() {
    if (vm_fd < 0 || !eventfd.valid()) return;
    struct kvm_ioeventfd io {};
    io.addr = gpa;
    io.len = len;
    io.fd = eventfd.get();
    io.flags = KVM_IOEVENTFD_FLAG_DEASSIGN;
    ::ioctl(vm_fd, KVM_IOEVENTFD, &io);
}

Result<Vcpu> Vm::create_vcpu(uint32_t index) {
    int fd = ::ioctl(fd_.get(), KVM_CREATE_VCPU, static_cast<unsigned long>(index));
    if (fd < 0) return kvm_error(("KVM_CREATE_VCPU " + std::to_string(index)).c_str());
    Fd vcpu(fd);
    void* run = ::mmap(nullptr, static_cast<size_t>(run_size_), PROT_READ | PROT_WRITE, MAP_SHARED,
                       vcpu.get(), 0);
    if (run == MAP_FAILED) return kvm_error("mmap of the vCPU run page");
    return Vcpu(std::move(vcpu), run, run_size_, index);
}

}  // namespace domus::hv
