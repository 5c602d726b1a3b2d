#include "vmm/vm_builder.hpp"

#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <optional>

#include "arch/x86/boot_cpu.hpp"
#include "arch/x86/boot_info_page.hpp"
#include "arch/x86/page_tables.hpp"
#include "boot/elf_loader.hpp"
#include "boot/exec_image.hpp"
#include "boot/initramfs.hpp"
#include "boot/initramfs_loader.hpp"
#include "devices/disk_image.hpp"
#include "devices/tap.hpp"
#include "devices/virtio_blk.hpp"
#include "devices/virtio_net.hpp"
#include "devices/virtio_rng.hpp"
#include "domus/abi/boot_info.h"

namespace domus::vmm {

namespace {

struct Parts {
    hv::Hypervisor hv;
    ElfImage image;
    hv::Vm vm;
    GuestMemory mem;
    std::vector<hv::Vcpu> vcpus;
    hv::Backend backend = hv::Backend::hardware;
    uint64_t tsc_khz = 0;
    uint64_t ramdisk_gpa = 0;  // where place_ramdisk put the initramfs (0 and 0: none)
    uint64_t ramdisk_size = 0;
    std::vector<domus_virtio_device> virtio;  // the virtio-mmio layout (plan_virtio)
    std::string cmdline;                      // the config's, plus virtio_mmio.device= words
    std::vector<DiskImage> disks;             // opened and locked before the VM exists
    std::vector<Tap> taps;                    // opened before the VM exists
};

// The virtio-mmio windows start at the first GiB boundary above RAM (at least 3 GiB, clear of
// the LAPIC and KVM's TSS pages below 4 GiB), one page each.
uint64_t virtio_base(uint64_t ram_bytes) {
    constexpr uint64_t kGiB = 1ull << 30;
    const uint64_t above = (ram_bytes + kGiB - 1) & ~(kGiB - 1);
    return above > 3 * kGiB ? above : 3 * kGiB;
}

// A program domain (one with a ramdisk, a disk or a NIC) gets a virtio-rng device, then one
// virtio-blk device per disk (vda, vdb, ... in order), then one virtio-net device per NIC
// (eth0, eth1, ...); the built-in workloads run as before, with none. Each device is also named at
// the front of the command line (before any "--", after which every word is init's) the way Linux's
// virtio_mmio driver reads it; the Domus guest, like Linux, gives init no dotted module parameters.
Status plan_virtio(const VmConfig& config, const std::string& cmdline, uint64_t ram_bytes,
                   Parts& p) {
    p.cmdline.clear();
    if (!runs_program(config) && config.disks.empty() && config.nics.empty()) {
        p.cmdline = cmdline;
        return {};
    }
    static_assert(1 + kMaxDisks <= DOMUS_MAX_VIRTIO_DEVICES);
    static_assert(1 + kMaxNics <= DOMUS_MAX_VIRTIO_DEVICES);
    auto add = [&](uint32_t device_id) {
        domus_virtio_device d{};
        d.base = virtio_base(ram_bytes) + p.virtio.size() * DOMUS_VIRTIO_WINDOW;
        d.device_id = device_id;
        d.vector = DOMUS_VIRTIO_VECTOR_BASE + static_cast<uint32_t>(p.virtio.size());
        p.virtio.push_back(d);
    };
    add(VirtioRng::kDeviceId);
    for (size_t i = 0; i < config.disks.size(); ++i) add(VirtioBlk::kDeviceId);
    for (size_t i = 0; i < config.nics.size(); ++i) add(VirtioNet::kDeviceId);
    for (const domus_virtio_device& d : p.virtio) {
        char word[80];
        std::snprintf(word, sizeof word, "virtio_mmio.device=4K@0x%llx:%u ",
                      static_cast<unsigned long long>(d.base), d.vector);
        p.cmdline += word;
    }
    if (p.cmdline.size() + cmdline.size() >= DOMUS_CMDLINE_MAX) {
        return make_error(Errc::invalid_argument,
                          "the command line of " + std::to_string(cmdline.size()) +
                              " bytes does not fit beside the monitor's " +
                              std::to_string(p.cmdline.size()) +
                              " bytes of virtio_mmio.device= words (at most " +
                              std::to_string(DOMUS_CMDLINE_MAX - 1) + " bytes in all)");
    }
    p.cmdline += cmdline;
    return {};
}

// The serial a disk's GET_ID answers: "domus-vda" and so on (20 bytes at most).
std::string disk_serial(size_t index) {
    return std::string("domus-vd") + static_cast<char>('a' + index);
}

// A NIC's MAC: the configured one, or Xen's prefix with three random bytes (locally unique
// for a `domus run`; domusd always gives one).
std::array<uint8_t, 6> nic_mac(const NicSpec& nic) {
    if (nic.mac_given) return nic.mac;
    std::array<uint8_t, 6> mac = kXenMacPrefix;
    uint8_t tail[3] = {};
    if (::getrandom(tail, sizeof tail, 0) != sizeof tail) {
        const uint64_t t = uint64_t(::getpid()) * 0x9e3779b97f4a7c15ull;
        std::memcpy(tail, &t, sizeof tail);
    }
    std::memcpy(mac.data() + 3, tail, sizeof tail);
    return mac;
}

Status attach_virtio(const VmConfig& config, Parts& p, Domain& domain) {
    size_t disk = 0, nic = 0;
    for (const domus_virtio_device& d : p.virtio) {
        std::unique_ptr<VirtioBackend> backend;
        if (d.device_id == VirtioRng::kDeviceId) {
            backend = std::make_unique<VirtioRng>(domain.memory().size());
        } else if (d.device_id == VirtioBlk::kDeviceId && disk < p.disks.size()) {
            const DiskSpec& spec = config.disks[disk];
            auto blk = VirtioBlk::create(std::move(p.disks[disk]), domain.memory().size(),
                                         BlkLimits{spec.bytes_per_sec, spec.ops_per_sec},
                                         disk_serial(disk));
            if (!blk) return blk.error();
            backend = std::move(blk.value());
            ++disk;
        } else if (d.device_id == VirtioNet::kDeviceId && nic < p.taps.size()) {
            const NicSpec& spec = config.nics[nic];
            auto net =
                VirtioNet::create(std::move(p.taps[nic]), nic_mac(spec), domain.memory().size(),
                                  NetLimits{spec.rx_bytes_per_sec, spec.tx_bytes_per_sec});
            if (!net) return net.error();
            backend = std::move(net.value());
            ++nic;
        }
        if (!backend) continue;
        if (auto st = domain.attach_virtio(std::move(backend), d.base, uint8_t(d.vector)); !st) {
            return st;
        }
    }
    return {};
}

// Every disk opened and locked before any VM exists: a missing, locked or unusable image
// refuses the domain at once, naming it.
Result<std::vector<DiskImage>> open_disks(const VmConfig& config) {
    std::vector<DiskImage> disks;
    for (size_t i = 0; i < config.disks.size(); ++i) {
        const DiskSpec& spec = config.disks[i];
        auto image = DiskImage::open(spec.path, spec.read_only);
        if (!image) {
            return make_error(
                image.error().code,
                std::string("disk vd") + static_cast<char>('a' + i) + ": " + image.error().message);
        }
        disks.push_back(std::move(image.value()));
    }
    return disks;
}

// Every NIC's TAP device opened (or made) before any VM exists; a failure names the NIC.
Result<std::vector<Tap>> open_taps(const VmConfig& config) {
    std::vector<Tap> taps;
    for (size_t i = 0; i < config.nics.size(); ++i) {
        auto tap = Tap::open(config.nics[i].tap);
        if (!tap) {
            return make_error(tap.error().code,
                              "eth" + std::to_string(i) + ": " + tap.error().message);
        }
        taps.push_back(std::move(tap.value()));
    }
    return taps;
}

Result<hv::Hypervisor> open_hypervisor() {
    return hv::Hypervisor::open();
}

Status check_config(const VmConfig& config, const hv::Hypervisor& hv) {
    HostLimits limits;
    limits.max_vcpus =
        std::min<uint32_t>(static_cast<uint32_t>(hv.caps().max_vcpus), DOMUS_MAX_VCPUS);
    limits.available_memory_mib = host_available_memory_mib();
    return validate_config(config, limits);
}

Result<ElfImage> parse_kernel(const VmConfig& config, std::span<const uint8_t> elf) {
    return parse_elf(elf, ElfLimits{config.memory_mib << 20, DOMUS_GPA_KERNEL_MIN});
}

struct Ramdisk {
    std::optional<InitramfsFile> file;
    std::string cmdline;  // the guest's command line (--exec adds init= and the arguments)
};

// The initramfs, opened and checked (or, with --exec, packed) before any VM exists (none: none
// asked for). It may take at most half of guest RAM.
Result<Ramdisk> open_ramdisk(const VmConfig& config) {
    const uint64_t max_bytes = max_initramfs_bytes(config.memory_mib << 20);
    std::string limit = "half of the guest's " + std::to_string(config.memory_mib) + " MiB of RAM";
    if (!config.exec.empty()) {
        auto image = build_exec_image(config.exec, max_bytes, limit);
        if (!image) return image.error();
        auto cmdline = exec_cmdline(config.cmdline, image->init, config.exec.args);
        if (!cmdline) return cmdline.error();
        auto file =
            InitramfsFile::from_fd(std::move(image->archive), image->size,
                                   "--exec " + config.exec.program, max_bytes, std::move(limit));
        if (!file) return file.error();
        return Ramdisk{std::move(file.value()), std::move(*cmdline)};
    }
    if (config.ramdisk_path.empty()) return Ramdisk{std::nullopt, config.cmdline};
    auto file = InitramfsFile::open(config.ramdisk_path, max_bytes, std::move(limit));
    if (!file) return file.error();
    return Ramdisk{std::move(file.value()), config.cmdline};
}

// The archive at the top of RAM, clear of the kernel and the boot area (boot/initramfs_loader).
Status place_ramdisk(std::optional<InitramfsFile>& ramdisk, Parts& p) {
    if (!ramdisk) return {};
    auto placed = ramdisk->load(p.mem, p.image.lowest_gpa, p.image.end_gpa);
    if (!placed) return placed.error();
    p.ramdisk_gpa = placed->gpa;
    p.ramdisk_size = placed->size;
    ramdisk.reset();
    return {};
}

Result<GuestMemory> create_memory(const VmConfig& config, hv::Vm& vm) {
    auto mem = GuestMemory::create(config.memory_mib << 20);
    if (!mem) return mem;
    if (auto st = vm.set_memory(0, 0, mem->size(), mem->host_base_for_kvm()); !st) {
        return st.error();
    }
    return mem;
}

Status create_vcpus(const VmConfig& config, Parts& p) {
    for (uint32_t i = 0; i < config.vcpus; ++i) {
        auto vcpu = p.vm.create_vcpu(i);
        if (!vcpu) return vcpu.error();
        if (p.hv.caps().sync_regs) vcpu->enable_sync_regs();
        p.vcpus.push_back(std::move(vcpu.value()));
    }
    auto backend = hv::Hypervisor::detect_backend(p.vcpus[0]);
    if (!backend) return backend.error();
    p.backend = *backend;
    auto khz = p.vcpus[0].tsc_khz();
    p.tsc_khz = khz ? *khz : 0;
    return {};
}

Status write_boot_structures(const VmConfig& config, Parts& p) {
    if (auto st = x86::build_identity_page_tables(p.mem, p.mem.size()); !st) return st;
    if (auto st = x86::write_boot_descriptors(p.mem); !st) return st;
    x86::BootInfoParams params;
    params.ram_bytes = p.mem.size();
    params.vcpus = config.vcpus;
    params.pvm_host = p.backend == hv::Backend::pvm;
    params.tsc_khz = p.tsc_khz;
    params.lapic_timer_khz = 1'000'000 / p.vm.apic_bus_cycle_ns();
    params.domain_id = config.domain_id;
    params.cmdline = p.cmdline;
    params.virtio = p.virtio;
    params.kernel_start = p.image.lowest_gpa;
    params.kernel_end = p.image.end_gpa;
    params.ramdisk_gpa = p.ramdisk_gpa;
    params.ramdisk_size = p.ramdisk_size;
    auto info = x86::make_boot_info(params);
    if (!info) return info.error();
    if (auto st = p.mem.fill(DOMUS_GPA_VCPU_PAGES, DOMUS_MAX_VCPUS * 4096ull, 0); !st) return st;
    return p.mem.write_obj(DOMUS_GPA_BOOT_INFO, *info);
}

Status set_initial_cpu_state(Parts& p) {
    auto cpuid = p.hv.supported_cpuid();
    if (!cpuid) return cpuid.error();
    const auto sregs = x86::boot_special_regs();
    for (auto& vcpu : p.vcpus) {
        if (auto st = vcpu.set_cpuid(*cpuid); !st) return st;
        if (auto st = vcpu.set_sregs(sregs); !st) return st;
        const uint64_t reg_page =
            p.backend == hv::Backend::pvm ? x86::vcpu_page_gpa(vcpu.index()) : 0;
        if (auto st = vcpu.set_regs(
                x86::boot_regs(p.image.entry, DOMUS_GPA_BOOT_INFO, vcpu.index(), reg_page));
            !st) {
            return st;
        }
        if (vcpu.index() != 0) {
            if (auto st = vcpu.set_runnable(); !st) return st;
        }
    }
    return {};
}

}  // namespace

Result<std::unique_ptr<Domain>> build_domain(const VmConfig& config,
                                             std::span<const uint8_t> kernel_elf, int console_fd) {
    auto hv = open_hypervisor();
    if (!hv) return hv.error();
    if (auto st = check_config(config, *hv); !st) return st.error();
    auto image = parse_kernel(config, kernel_elf);
    if (!image) return image.error();
    auto ramdisk = open_ramdisk(config);
    if (!ramdisk) return ramdisk.error();
    auto disks = open_disks(config);
    if (!disks) return disks.error();
    auto taps = open_taps(config);
    if (!taps) return taps.error();
    auto vm = hv->create_vm();
    if (!vm) return vm.error();
    auto mem = create_memory(config, *vm);
    if (!mem) return mem.error();
    Parts p{std::move(*hv),
            std::move(*image),
            std::move(*vm),
            std::move(*mem),
            {},
            {},
            0,
            0,
            0,
            {},
            {},
            std::move(*disks),
            std::move(*taps)};
    if (auto st = plan_virtio(config, ramdisk->cmdline, p.mem.size(), p); !st) return st.error();

    if (auto st = load_elf(p.image, kernel_elf, p.mem); !st) return st.error();
    if (auto st = place_ramdisk(ramdisk->file, p); !st) return st.error();
    if (auto st = create_vcpus(config, p); !st) return st.error();
    if (auto st = write_boot_structures(config, p); !st) return st.error();
    if (auto st = set_initial_cpu_state(p); !st) return st.error();

    auto domain =
        std::make_unique<Domain>(std::move(p.hv), std::move(p.vm), std::move(p.mem), p.backend);
    domain->set_identity(config.name, config.domain_id, p.tsc_khz);
    domain->set_console_fd(console_fd);
    for (auto& vcpu : p.vcpus) domain->add_vcpu(std::move(vcpu));
    if (auto st = domain->attach_devices(); !st) return st.error();
    if (auto st = attach_virtio(config, p, *domain); !st) return st.error();
    return domain;
}

}  // namespace domus::vmm
