#include "devices/io_bus.hpp"

#include <algorithm>
#include <cstdio>

namespace domus {

namespace {

std::string port_range(uint32_t base, uint32_t end) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "[0x%x, 0x%x)", static_cast<unsigned>(base),
                  static_cast<unsigned>(end));
    return buf;
}

bool valid_size(size_t n) {
    return n == 1 || n == 2 || n == 4;
}

}  // namespace

Status IoBus::add(uint16_t base, uint16_t length, PioDevice* device, std::string name) {
    const uint32_t start = base;
    const uint32_t end = start + length;  // cannot wrap in 32 bits
    if (device == nullptr) {
        return make_error(Errc::invalid_argument, "I/O device '" + name + "' is null");
    }
    if (length == 0) {
        return make_error(Errc::invalid_argument, "I/O range for '" + name + "' at " +
                                                      port_range(start, end) + " has length 0");
    }
    if (end > 0x10000) {
        return make_error(Errc::invalid_argument, "I/O range " + port_range(start, end) + " for '" +
                                                      name + "' runs past port 0xffff");
    }
    auto it = std::upper_bound(ranges_.begin(), ranges_.end(), start,
                               [](uint32_t b, const Range& r) { return b < r.base; });
    // Only the neighbours can overlap: the range starting at or before `start`, and the one after.
    const Range* clash = nullptr;
    if (it != ranges_.begin() && std::prev(it)->end > start) clash = &*std::prev(it);
    if (clash == nullptr && it != ranges_.end() && it->base < end) clash = &*it;
    if (clash != nullptr) {
        return make_error(Errc::invalid_argument,
                          "I/O range " + port_range(start, end) + " for '" + name + "' overlaps " +
                              port_range(clash->base, clash->end) + " of '" + clash->name + "'");
    }
    ranges_.insert(it, Range{start, end, device, std::move(name)});
    return {};
}

const IoBus::Range* IoBus::find(uint16_t port) const {
    auto it = std::upper_bound(ranges_.begin(), ranges_.end(), uint32_t{port},
                               [](uint32_t p, const Range& r) { return p < r.base; });
    if (it == ranges_.begin()) return nullptr;
    --it;
    return port < it->end ? &*it : nullptr;
}

bool IoBus::read(uint16_t port, std::span<uint8_t> data) const {
    const Range* r = valid_size(data.size()) ? find(port) : nullptr;
    if (r == nullptr) {
        std::fill(data.begin(), data.end(), uint8_t{0xff});
        return false;
    }
    r->device->pio_read(static_cast<uint16_t>(port - r->base), data);
    return true;
}

bool IoBus::write(uint16_t port, std::span<const uint8_t> data) const {
    const Range* r = valid_size(data.size()) ? find(port) : nullptr;
    if (r == nullptr) return false;
    r->device->pio_write(static_cast<uint16_t>(port - r->base), data);
    return true;
}

}  // namespace domus
