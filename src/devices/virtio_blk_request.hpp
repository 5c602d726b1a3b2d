// virtio-blk requests (virtio 1.2 section 5.2.6) decoded from a descriptor chain: the 16-byte
// header (type, reserved, sector) at the start of the device-readable buffers, the data, and
// the one-byte status at the very end of the device-writable ones. Pure over guest memory and
// hostile by assumption (the header may be split across buffers; every length, sector and
// range is checked against the disk): a request the device cannot answer at all (no header,
// no status byte) is an Error and breaks the queue; one it can answer but must refuse carries
// the status to write (IOERR for a bad range or a write to a read-only disk, UNSUPP for an
// unknown type) and a message saying why.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "memory/guest_memory.hpp"
#include "virtio/split_queue.hpp"

namespace domus {

inline constexpr uint32_t kBlkSectorBytes = 512;

enum class BlkType : uint32_t {
    in = 0,             // read sectors into the writable buffers
    out = 1,            // write the readable buffers after the header
    flush = 4,          // make written data durable (fdatasync)
    get_id = 8,         // the disk's serial, 20 bytes
    discard = 11,       // ranges the disk may forget
    write_zeroes = 13,  // ranges that must read as zero
};

enum BlkStatus : uint8_t { kBlkOk = 0, kBlkIoErr = 1, kBlkUnsupported = 2 };

struct BlkRange {
    uint64_t sector;
    uint32_t sectors;
    bool unmap;  // write_zeroes: the disk may deallocate (VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP)
};

struct BlkDisk {
    uint64_t sectors = 0;     // capacity
    bool read_only = false;   // VIRTIO_BLK_F_RO
    uint32_t max_ranges = 1;  // max_discard_seg / max_write_zeroes_seg
    uint32_t max_range_sectors = 0xffffffffu;
    uint64_t max_transfer_bytes = 1ull << 30;  // one request's data at most
};

struct BlkRequest {
    BlkType type = BlkType::in;
    uint64_t sector = 0;
    std::vector<virtio::Segment> data;  // in: where to read into; out: what to write; get_id
    uint64_t bytes = 0;                 // of data
    std::vector<BlkRange> ranges;       // discard, write_zeroes
    uint64_t status_gpa = 0;            // the status byte
    // A refusal: the status to write at once (kBlkIoErr or kBlkUnsupported) and why; kBlkOk
    // when the request is to be carried out.
    uint8_t refusal = kBlkOk;
    std::string why;
};

Result<BlkRequest> parse_blk_request(const GuestMemory& mem, const virtio::Chain& chain,
                                     const BlkDisk& disk);

}  // namespace domus
