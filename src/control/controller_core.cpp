// xl dump-core: the domain's monitor writes an ELF core into an unnamed file the daemon makes,
// which the API then streams to its client. No client ever names a host path: the daemon runs
// as root and writes only this file of its own.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "control/controller_internal.hpp"
#include "vmm/vmm_client.hpp"

namespace domus::control {

namespace {

// Writing the core takes about as long as copying the guest's RAM once: this much, plus time
// per MiB for a slow disk.
int dump_timeout_ms(uint64_t memory_mib) {
    const uint64_t ms = 10000 + memory_mib * 50;
    return static_cast<int>(std::min<uint64_t>(ms, 600000));
}

}  // namespace

ApiResult<Fd> ControllerImpl::dump_core(const std::string& name) {
    if (name == "Domain-0") {
        return api_error(403, "forbidden", "Domain-0 is the host: it has no core to dump here");
    }
    auto lock_ptr = domain_lock(name);
    std::lock_guard dl(*lock_ptr);
    auto rec = load(name);
    if (!rec) return api_error(404, "not_found", "no domain named '" + name + "'");
    if (rec->pid <= 0 || (!is_live(rec->state) && !is_preserved(*rec))) {
        return api_error(409, "conflict",
                         "cannot dump the core of domain '" + name + "': it is " +
                             to_string(rec->state) +
                             " and has no monitor holding its memory (a running, paused or "
                             "preserved domain has one; see on_crash=preserve)");
    }
    const std::string dir = options_.state_dir + "/run";
    Fd file(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
    if (!file.valid()) {
        const int err = errno;
        return api_error(err == ENOSPC || err == EDQUOT ? 507 : 500,
                         err == ENOSPC || err == EDQUOT ? "insufficient_storage" : "internal",
                         "cannot dump the core of domain '" + name + "': cannot make a file in " +
                             dir + ": " + std::strerror(err));
    }
    const std::string who =
        "domain '" + name + "': its monitor (pid " + std::to_string(rec->pid) + ")";
    auto client =
        vmm::VmmClient::connect(run_path(rec->id, ".ctl"), dump_timeout_ms(rec->config.memory));
    if (!client)
        return api_error(503, "unavailable", who + " cannot be reached: " + client.error().message);
    auto bytes = client->dump_core(file.get());
    if (!bytes) {
        const Error& e = bytes.error();
        if (e.code == Errc::invalid_argument) {
            // The monitor refused or failed (e.g. the disk filled up): its own words.
            const bool full = e.message.find("No space left") != std::string::npos;
            return api_error(full ? 507 : 409, full ? "insufficient_storage" : "conflict",
                             "cannot dump the core of domain '" + name + "': " + e.message);
        }
        return api_error(e.code == Errc::timeout ? 504 : 503,
                         e.code == Errc::timeout ? "monitor_timeout" : "unavailable",
                         who + " did not complete the core: " + e.message);
    }
    if (::lseek(file.get(), 0, SEEK_SET) != 0) {
        return api_error(500, "internal", std::string("lseek: ") + std::strerror(errno));
    }
    (void)save(*rec, "core_dumped", std::to_string(*bytes) + " bytes");
    return file;
}

}  // namespace domus::control
