// libFuzzer target: virtio-blk request decoding (src/devices/virtio_blk_request) on a chain and
// a 64 KiB guest memory made from the input. The first byte gives the number of readable and
// writable buffers (up to 4 each), then 4 bytes per buffer (a 16-bit offset and length inside
// the memory), two bytes of disk settings; the rest fills guest memory. A request to carry out
// must keep the decoder's promises: whole sectors inside the disk, data inside the chain's
// buffers and adding up, the status byte inside the last writable buffer.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "devices/virtio_blk_request.hpp"

namespace {

using namespace domus;

constexpr uint64_t kRam = 64 * 1024;

void check(bool ok) {
    if (!ok) __builtin_trap();
}

bool within(const std::vector<virtio::Segment>& segs, const virtio::Segment& s) {
    for (const auto& b : segs) {
        if (s.gpa >= b.gpa && s.gpa + s.len <= b.gpa + b.len) return true;
    }
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static GuestMemory* mem = [] {
        auto m = GuestMemory::create(kRam);
        check(m.ok());
        return new GuestMemory(std::move(m.value()));
    }();
    if (size < 3) return 0;
    const unsigned nr = data[0] & 3, nw = (data[0] >> 2) & 3;
    size_t pos = 1;
    virtio::Chain c;
    for (unsigned i = 0; i < nr + nw; ++i) {
        if (pos + 4 > size) return 0;
        const uint64_t off = uint64_t(data[pos]) << 8 | data[pos + 1];
        uint32_t len = uint32_t(data[pos + 2]) << 8 | data[pos + 3];
        pos += 4;
        if (len == 0) len = 1;  // read_chain never yields empty buffers
        if (off + len > kRam) return 0;
        (i < nr ? c.readable : c.writable).push_back({off, len});
        (i < nr ? c.readable_bytes : c.writable_bytes) += len;
    }
    if (pos + 2 > size) return 0;
    BlkDisk disk;
    disk.sectors = uint64_t(data[pos]) * 7;
    disk.read_only = data[pos + 1] & 1;
    disk.max_ranges = 1 + (data[pos + 1] >> 1) % 4;
    pos += 2;
    check(mem->fill(0, kRam, 0).ok());
    check(mem->write(0, {data + pos, size - pos < kRam ? size - pos : kRam}).ok());
    auto r = parse_blk_request(*mem, c, disk);
    if (!r.ok()) return 0;
    check(!c.writable.empty());
    const auto& last = c.writable.back();
    check(r->status_gpa == last.gpa + last.len - 1);
    if (r->refusal != kBlkOk) {
        check(r->data.empty() && r->ranges.empty() && !r->why.empty());
        return 0;
    }
    uint64_t total = 0;
    for (const auto& s : r->data) {
        check(within(r->type == BlkType::out ? c.readable : c.writable, s));
        total += s.len;
    }
    check(total == r->bytes);
    // The data never takes the status byte's place in the chain (the guest may still make
    // buffers overlap in memory: its own loss, nobody else's).
    if (r->type != BlkType::out) check(total <= c.writable_bytes - 1);
    if (r->type == BlkType::out) check(total <= c.readable_bytes - 16);
    if (r->type == BlkType::in || r->type == BlkType::out) {
        check(r->bytes % kBlkSectorBytes == 0);
        check(r->sector <= disk.sectors && r->bytes / kBlkSectorBytes <= disk.sectors - r->sector);
        check(r->type == BlkType::in || !disk.read_only);
    }
    for (const auto& range : r->ranges) {
        check(range.sectors > 0 && range.sector <= disk.sectors &&
              range.sectors <= disk.sectors - range.sector);
    }
    check(r->ranges.size() <= disk.max_ranges);
    return 0;
}
