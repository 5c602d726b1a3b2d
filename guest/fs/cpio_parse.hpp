// A pure, defensive reader of "newc" cpio archives (what `find . | cpio -o -H newc` makes: the
// initramfs format), for the guest. The monitor has validated the archive already (src/boot/
// cpio.*); this reader accepts exactly what that parser accepts and never trusts it: every
// field is checked, nothing outside [data, data + size) is read, and garbage gives -EINVAL
// with a message and its byte offset instead of a crash.
//
// Accepted: magic "070701", or "070702" whose check field is the byte sum of a regular file's
// data; 13 fields of 8 hex digits; a name of 1..4095 bytes NUL-terminated at exactly
// namesize - 1 with no other NUL; zero padding to 4 bytes after the header + name and after
// the data; types regular, directory, symlink (1..4095 bytes of target, no NUL), char/block
// device, fifo, socket (those without data); "TRAILER!!!" ends an archive, after which only
// zero bytes or another archive (at a 4-byte boundary) may follow. Names: leading "/" and
// "./" are stripped; what remains is "." (the root, a directory) or components separated by
// single slashes, none empty, "." or "..".
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace fs {

struct CpioRecord {
    const char* name;  // normalised and NUL-terminated (a suffix of the archive's name)
    size_t name_len;
    uint32_t ino;
    uint32_t mode;  // type and permissions
    uint32_t uid;
    uint32_t gid;
    uint32_t nlink;
    uint32_t mtime;
    uint32_t dev_major;
    uint32_t dev_minor;
    uint32_t rdev_major;
    uint32_t rdev_minor;
    const uint8_t* data;  // file contents or symlink target, inside the archive
    size_t data_len;
    size_t offset;  // of the header
};

struct CpioReader {
    const uint8_t* base;
    size_t size;
    size_t pos;
    bool after_trailer;
    bool finished;
    bool check_data;    // verify c_check sums of regular files' data (cpio_reader_init: yes)
    const char* error;  // why the last cpio_next failed
    size_t error_offset;
};

void cpio_reader_init(CpioReader* reader, const void* archive, size_t size);

// 1: *out is the next entry; 0: the end of the input (after a trailer); -EINVAL: malformed
// (reader->error and error_offset say what and where; every later call fails the same way).
int cpio_next(CpioReader* reader, CpioRecord* out);

}  // namespace fs
