#include "devices/virtio_blk_request.hpp"

#include <algorithm>
#include <cstring>

namespace domus {

namespace {

constexpr uint32_t kHeaderBytes = 16;
constexpr uint32_t kRangeBytes = 16;
constexpr uint32_t kIdBytes = 20;

Error framing(std::string what) {
    return make_error(Errc::invalid_argument, "virtio-blk: " + std::move(what));
}

// Copies `len` bytes starting `skip` bytes into the segments' concatenation; false when they
// hold fewer.
bool gather(const GuestMemory& mem, const std::vector<virtio::Segment>& segs, uint64_t skip,
            uint8_t* out, uint64_t len) {
    for (const virtio::Segment& s : segs) {
        if (len == 0) return true;
        if (skip >= s.len) {
            skip -= s.len;
            continue;
        }
        const uint64_t n = std::min<uint64_t>(s.len - skip, len);
        if (!mem.read(s.gpa + skip, {out, n}).ok()) return false;
        out += n;
        len -= n;
        skip = 0;
    }
    return len == 0;
}

// The segments' bytes from `skip` on, `limit` bytes at most (the data of a request).
std::vector<virtio::Segment> slice(const std::vector<virtio::Segment>& segs, uint64_t skip,
                                   uint64_t limit) {
    std::vector<virtio::Segment> out;
    for (const virtio::Segment& s : segs) {
        if (limit == 0) break;
        if (skip >= s.len) {
            skip -= s.len;
            continue;
        }
        const uint64_t n = std::min<uint64_t>(s.len - skip, limit);
        out.push_back({s.gpa + skip, static_cast<uint32_t>(n)});
        limit -= n;
        skip = 0;
    }
    return out;
}

BlkRequest refuse(BlkRequest r, uint8_t status, std::string why) {
    r.refusal = status;
    r.why = std::move(why);
    r.data.clear();
    r.bytes = 0;
    r.ranges.clear();
    return r;
}

// [sector, sector + sectors) inside the disk, overflow-safe.
bool in_disk(const BlkDisk& disk, uint64_t sector, uint64_t sectors) {
    return sector <= disk.sectors && sectors <= disk.sectors - sector;
}

}  // namespace

Result<BlkRequest> parse_blk_request(const GuestMemory& mem, const virtio::Chain& chain,
                                     const BlkDisk& disk) {
    if (chain.readable_bytes < kHeaderBytes) {
        return framing("request " + std::to_string(chain.head) + " has " +
                       std::to_string(chain.readable_bytes) +
                       " device-readable bytes, less than its 16-byte header");
    }
    if (chain.writable_bytes < 1) {
        return framing("request " + std::to_string(chain.head) +
                       " has no device-writable byte for its status");
    }
    uint8_t header[kHeaderBytes];
    if (!gather(mem, chain.readable, 0, header, kHeaderBytes)) {
        return framing("request " + std::to_string(chain.head) + ": its header is unreadable");
    }
    uint32_t type;
    uint64_t sector;
    std::memcpy(&type, header, 4);
    std::memcpy(&sector, header + 8, 8);
    BlkRequest r;
    r.type = static_cast<BlkType>(type);
    r.sector = sector;
    const virtio::Segment& last = chain.writable.back();
    r.status_gpa = last.gpa + last.len - 1;
    const uint64_t out_bytes = chain.readable_bytes - kHeaderBytes;  // after the header
    const uint64_t in_bytes = chain.writable_bytes - 1;              // before the status byte
    const std::string at = " (sector " + std::to_string(sector) + ")";

    switch (r.type) {
        case BlkType::in:
        case BlkType::out: {
            const bool write = r.type == BlkType::out;
            const uint64_t bytes = write ? out_bytes : in_bytes;
            if (write && disk.read_only) return refuse(r, kBlkIoErr, "a write to a read-only disk");
            if (bytes % kBlkSectorBytes != 0 || bytes > disk.max_transfer_bytes) {
                return refuse(r, kBlkIoErr,
                              std::to_string(bytes) +
                                  " bytes is not a whole number of sectors "
                                  "within the transfer limit" +
                                  at);
            }
            if (!in_disk(disk, sector, bytes / kBlkSectorBytes)) {
                return refuse(r, kBlkIoErr,
                              std::to_string(bytes / kBlkSectorBytes) + " sectors" + at +
                                  " reach past the end of the disk (" +
                                  std::to_string(disk.sectors) + " sectors)");
            }
            r.data = write ? slice(chain.readable, kHeaderBytes, bytes)
                           : slice(chain.writable, 0, bytes);
            r.bytes = bytes;
            return r;
        }
        case BlkType::flush:
            return r;
        case BlkType::get_id:
            r.data = slice(chain.writable, 0, std::min<uint64_t>(in_bytes, kIdBytes));
            for (const auto& s : r.data) r.bytes += s.len;
            return r;
        case BlkType::discard:
        case BlkType::write_zeroes: {
            if (disk.read_only)
                return refuse(r, kBlkIoErr, "a discard or write-zeroes to a read-only disk");
            if (out_bytes == 0 || out_bytes % kRangeBytes != 0 ||
                out_bytes / kRangeBytes > disk.max_ranges) {
                return refuse(r, kBlkUnsupported,
                              std::to_string(out_bytes) + " bytes of ranges (16 each, at most " +
                                  std::to_string(disk.max_ranges) + ")");
            }
            for (uint64_t off = 0; off < out_bytes; off += kRangeBytes) {
                uint8_t raw[kRangeBytes];
                if (!gather(mem, chain.readable, kHeaderBytes + off, raw, kRangeBytes)) {
                    return framing("request " + std::to_string(chain.head) +
                                   ": a range is unreadable");
                }
                BlkRange range;
                uint32_t flags;
                std::memcpy(&range.sector, raw, 8);
                std::memcpy(&range.sectors, raw + 8, 4);
                std::memcpy(&flags, raw + 12, 4);
                range.unmap = (flags & 1) != 0;
                if (flags & ~1u || (r.type == BlkType::discard && range.unmap)) {
                    return refuse(r, kBlkUnsupported, "range flags " + std::to_string(flags));
                }
                if (range.sectors == 0 || range.sectors > disk.max_range_sectors ||
                    !in_disk(disk, range.sector, range.sectors)) {
                    return refuse(r, kBlkIoErr,
                                  "range of " + std::to_string(range.sectors) + " sectors at " +
                                      std::to_string(range.sector) +
                                      " is empty, too long or "
                                      "past the end of the disk (" +
                                      std::to_string(disk.sectors) + " sectors)");
                }
                r.ranges.push_back(range);
            }
            return r;
        }
    }
    return refuse(r, kBlkUnsupported, "request type " + std::to_string(type));
}

}  // namespace domus
