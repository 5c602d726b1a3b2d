// libFuzzer target: parse_elf on arbitrary bytes and, when it accepts, load_elf into a small
// guest. Besides the sanitizers, every accepted image is checked against parse_elf's promises.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "boot/elf_loader.hpp"

namespace {

constexpr uint64_t kFuzzRam = 2 * 1024 * 1024;  // segments fit in [1 MiB, 2 MiB)

domus::GuestMemory& guest() {
    static domus::GuestMemory mem = [] {
        auto m = domus::GuestMemory::create(kFuzzRam);
        if (!m.ok()) std::abort();
        return std::move(m).value();
    }();
    return mem;
}

void check(bool ok) {
    if (!ok) __builtin_trap();
}

void check_image(const domus::ElfImage& image, const domus::ElfLimits& limits) {
    check(!image.segments.empty());
    bool entry_ok = false;
    for (size_t i = 0; i < image.segments.size(); ++i) {
        const domus::ElfSegment& s = image.segments[i];
        check(s.mem_size > 0 && s.file_size <= s.mem_size);
        check(s.gpa >= limits.min_gpa && s.gpa <= limits.ram_bytes &&
              s.mem_size <= limits.ram_bytes - s.gpa);
        check(s.gpa >= image.lowest_gpa && s.gpa + s.mem_size <= image.end_gpa);
        for (size_t j = 0; j < i; ++j) {
            const domus::ElfSegment& o = image.segments[j];
            check(s.gpa + s.mem_size <= o.gpa || o.gpa + o.mem_size <= s.gpa);
        }
        if (s.executable && image.entry >= s.gpa && image.entry - s.gpa < s.mem_size) {
            entry_ok = true;
        }
    }
    check(entry_ok);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::span<const uint8_t> file(data, size);
    const domus::ElfLimits limits{kFuzzRam, DOMUS_GPA_KERNEL_MIN};
    auto image = domus::parse_elf(file, limits);
    if (!image.ok()) {
        check(image.error().code == domus::Errc::bad_image && !image.error().message.empty());
        return 0;
    }
    check_image(*image, limits);
    auto st = domus::load_elf(*image, file, guest());
    check(st.ok());
    return 0;
}
