// Guest RAM: one memfd-backed region mapped once at GPA 0. Every access by guest physical
// address goes through the checked API below; nothing here can touch memory outside the guest.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace domus {

class GuestMemory {
  public:
    // Creates `bytes` of zeroed RAM (a multiple of 4 KiB, > 0). Pages are allocated lazily.
    static Result<GuestMemory> create(uint64_t bytes);

    GuestMemory() = default;
    ~GuestMemory();
    GuestMemory(GuestMemory&& other) noexcept;
    GuestMemory& operator=(GuestMemory&& other) noexcept;
    GuestMemory(const GuestMemory&) = delete;
    GuestMemory& operator=(const GuestMemory&) = delete;

    uint64_t size() const { return size_; }
    int memfd() const { return fd_.get(); }
    // The host mapping, for registering the memory slot with KVM only.
    uint8_t* host_base_for_kvm() const { return base_; }

    // True when [gpa, gpa + len) lies inside RAM. Overflow-safe; len 0 is inside iff gpa <= size.
    bool contains(uint64_t gpa, uint64_t len) const { return gpa <= size_ && len <= size_ - gpa; }

    // A view of [gpa, gpa + len), or out_of_range naming the range.
    Result<std::span<uint8_t>> span(uint64_t gpa, uint64_t len);
    Result<std::span<const uint8_t>> span(uint64_t gpa, uint64_t len) const;

    Status write(uint64_t gpa, std::span<const uint8_t> data);
    Status read(uint64_t gpa, std::span<uint8_t> out) const;
    Status fill(uint64_t gpa, uint64_t len, uint8_t value);
    // Copies the first `len` bytes of the file `fd` (from offset 0, whatever its position)
    // to [gpa, gpa + len), inside the kernel where it can (sendfile into the memfd: no bounce
    // buffer, no page faults in this process). Errc::io when the file ends early or a read
    // fails, naming `what`.
    Status copy_from_file(uint64_t gpa, int fd, uint64_t len, std::string_view what);

    template <typename T>
    Status write_obj(uint64_t gpa, const T& obj) {
        static_assert(std::is_trivially_copyable_v<T>);
        return write(gpa, {reinterpret_cast<const uint8_t*>(&obj), sizeof(T)});
    }
    template <typename T>
    Result<T> read_obj(uint64_t gpa) const {
        static_assert(std::is_trivially_copyable_v<T>);
        T obj;
        auto st = read(gpa, {reinterpret_cast<uint8_t*>(&obj), sizeof(T)});
        if (!st) return st.error();
        return obj;
    }

  private:
    GuestMemory(Fd fd, uint8_t* base, uint64_t size)
        : fd_(std::move(fd)), base_(base), size_(size) {}
    Error range_error(uint64_t gpa, uint64_t len) const;

    Fd fd_;
    uint8_t* base_ = nullptr;
    uint64_t size_ = 0;
};

}  // namespace domus
