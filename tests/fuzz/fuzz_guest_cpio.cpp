// libFuzzer target: the guest kernel's newc reader (guest/fs/cpio_parse) and initramfs
// unpacker (guest/fs/cpio_unpack) on arbitrary bytes. Besides the sanitizers (the input
// buffer is exactly sized: a read past it is caught), each run checks the reader's promises
// (records inside the input, normalised names) and that unpacking into a fresh ramfs either
// succeeds or refuses with -EINVAL, then frees everything it allocated.
#include "fs/cpio_parse.hpp"
#include "fs/cpio_unpack.hpp"
#include "fs/mount.hpp"
#include "fs/ramfs.hpp"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <string.h>
#include <initializer_list>

#include "host_shims.hpp"

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

bool inside(const uint8_t* base, size_t size, const void* p, size_t len) {
    const auto* b = static_cast<const uint8_t*>(p);
    return b >= base && b <= base + size && len <= size_t(base + size - b);
}

void check_record(const uint8_t* data, size_t size, const fs::CpioRecord& r) {
    const bool root = r.name_len == 1 && r.name[0] == '.';
    check(root || inside(data, size, r.name, r.name_len + 1));
    check(strlen(r.name) == r.name_len && r.name_len > 0 && r.name_len <= 4095);
    check(r.name[0] != '/' && r.name[r.name_len - 1] != '/');
    if (!root) {
        check(strstr(r.name, "//") == nullptr);
        for (const char* p = r.name; p != nullptr; p = strchr(p, '/')) {
            if (*p == '/') ++p;
            check(!(p[0] == '.' && (p[1] == '/' || p[1] == '\0')));
            check(!(p[0] == '.' && p[1] == '.' && (p[2] == '/' || p[2] == '\0')));
        }
    }
    check(r.data_len == 0 || inside(data, size, r.data, r.data_len));
    check(r.offset < size && r.mode <= 0177777);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fs::CpioReader reader;
    fs::cpio_reader_init(&reader, data, size);
    fs::CpioRecord record;
    int n;
    size_t shift = size == 0 ? 0 : (size_t(data[0]) * 16 + data[size - 1]) % 4096;
    bool shift_chosen = false;
    while ((n = fs::cpio_next(&reader, &record)) > 0) {
        check_record(data, size, record);
        if (!shift_chosen && (record.mode & 0170000) == 0100000 && record.data_len >= 4096) {
            shift = (4096 - size_t(record.data - data) % 4096) % 4096;  // page-align its data
            shift_chosen = true;
        }
    }
    check(n == 0 || (n == -22 && reader.error != nullptr && reader.error_offset <= size));

    const size_t blocks = guest_fs_test::live_blocks();
    const size_t pages = guest_fs_test::live_pages();
    fs::CpioStats stats;
    // Twice: from the exactly sized input, then from a page-aligned copy shifted so that the
    // first regular file with a whole page of data is page aligned (as the monitor places the
    // archive; else by an offset taken from the input), letting the unpacker take whole pages
    // over as the guest does. Those pages are freed with the files (the shim scribbles on them).
    auto* copy = static_cast<uint8_t*>(aligned_alloc(4096, (shift + size + 4096) & ~size_t(4095)));
    check(copy != nullptr);
    if (size > 0) memcpy(copy + shift, data, size);
    for (const uint8_t* archive : {data, static_cast<const uint8_t*>(copy + shift)}) {
        const bool adopt = archive != data;
        fs::Inode* root = fs::ramfs_create(0755);
        check(root != nullptr);
        fs::vfs_set_root(root);
        const int err = fs::cpio_unpack(root, archive, size, &stats,
                                        adopt ? guest_fs_test::adopt_page_for_test : nullptr);
        check(err == 0 || err == -22);
        check((err == 0) == (n == 0));
        check(adopt || stats.adopted_pages == 0);
        fs::vfs_set_root(nullptr);
        fs::ramfs_teardown(root);
        check(guest_fs_test::live_blocks() == blocks && guest_fs_test::live_pages() == pages);
        check(guest_fs_test::adopted_live() == 0);
    }
    free(copy);
    return 0;
}
