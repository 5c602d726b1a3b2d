#include "fs/cpio_parse.hpp"

#include "abi/errno.hpp"
#include "abi/linux_types.hpp"
#include "kernel/string.hpp"

namespace fs {

namespace {

namespace smode = linux_abi::smode;

constexpr size_t kHeaderBytes = 110;
constexpr size_t kMaxName = 4095;  // bytes without the NUL
constexpr size_t kMaxSymlink = 4095;
constexpr uint32_t kMaxMode = 0177777;

enum Field {
    kIno,
    kMode,
    kUid,
    kGid,
    kNlink,
    kMtime,
    kFilesize,
    kDevMajor,
    kDevMinor,
    kRdevMajor,
    kRdevMinor,
    kNamesize,
    kCheck,
    kFieldCount
};

int fail(CpioReader* r, size_t offset, const char* why) {
    r->error = why;
    r->error_offset = offset;
    r->finished = true;
    return -linux_errno::EINVAL;
}

size_t align4(size_t v) {
    return (v + 3) & ~size_t{3};
}

bool is_magic(const uint8_t* p, size_t available) {
    return available >= 6 && memcmp(p, "07070", 5) == 0 && (p[5] == '1' || p[5] == '2');
}

bool parse_hex8(const uint8_t* p, uint32_t* out) {
    uint32_t v = 0;
    for (int i = 0; i < 8; ++i) {
        const uint8_t c = p[i];
        uint32_t d;
        if (c >= '0' && c <= '9') {
            d = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            d = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            d = c - 'A' + 10;
        } else {
            return false;
        }
        v = (v << 4) | d;
    }
    *out = v;
    return true;
}

bool zeros(const uint8_t* p, size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
        if (p[i] != 0) return false;
    }
    return true;
}

// Strips leading "/" and "./" and checks the components; nullptr when one is not acceptable.
const char* normalise(const char* name, size_t* len) {
    const char* s = name;
    size_t n = *len;
    for (;;) {
        if (n >= 1 && s[0] == '/') {
            ++s, --n;
        } else if (n >= 2 && s[0] == '.' && s[1] == '/') {
            s += 2, n -= 2;
        } else {
            break;
        }
    }
    if (n == 0 || (n == 1 && s[0] == '.')) {
        *len = 1;
        return ".";
    }
    size_t start = 0;
    while (start <= n) {
        size_t end = start;
        while (end < n && s[end] != '/') ++end;
        const size_t part = end - start;
        if (part == 0) return nullptr;  // "//" or a trailing "/"
        if (part <= 2 && s[start] == '.' && (part == 1 || s[start + 1] == '.')) return nullptr;
        start = end + 1;
    }
    *len = n;
    return s;
}

int check_data(CpioReader* r, size_t at, uint32_t type, bool crc, uint32_t check,
               const uint8_t* data, size_t len) {
    if (type == smode::IFREG) {
        if (crc && r->check_data) {
            uint32_t sum = 0;
            for (size_t i = 0; i < len; ++i) sum += data[i];
            if (sum != check) return fail(r, at, "cpio: c_check does not match the data");
        }
        return 0;
    }
    if (type == smode::IFLNK) {
        if (len == 0) return fail(r, at, "cpio: a symlink with an empty target");
        if (len > kMaxSymlink) return fail(r, at, "cpio: a symlink target over 4095 bytes");
        for (size_t i = 0; i < len; ++i) {
            if (data[i] == 0) return fail(r, at, "cpio: a NUL byte in a symlink target");
        }
        return 0;
    }
    if (len != 0) return fail(r, at, "cpio: data in an entry that takes none");
    return 0;
}

bool known_type(uint32_t type) {
    return type == smode::IFREG || type == smode::IFDIR || type == smode::IFLNK ||
           type == smode::IFCHR || type == smode::IFBLK || type == smode::IFIFO ||
           type == smode::IFSOCK;
}

}  // namespace

void cpio_reader_init(CpioReader* reader, const void* archive, size_t size) {
    *reader = {static_cast<const uint8_t*>(archive), size, 0, false, false, true, nullptr, 0};
    if (archive == nullptr) reader->size = 0;
}

int cpio_next(CpioReader* r, CpioRecord* out) {
    for (;;) {
        if (r->finished) return r->error != nullptr ? -linux_errno::EINVAL : 0;
        const uint8_t* b = r->base;
        if (r->after_trailer) {
            while (r->pos < r->size && b[r->pos] == 0) ++r->pos;
            if (r->pos >= r->size) {
                r->finished = true;
                return 0;
            }
            if (r->pos % 4 != 0 || !is_magic(b + r->pos, r->size - r->pos)) {
                return fail(r, r->pos, "cpio: unexpected bytes after the trailer");
            }
            r->after_trailer = false;
        }
        const size_t at = r->pos;
        if (at == 0 && r->size == 0) return fail(r, 0, "cpio: the archive is empty");
        if (r->size - at < kHeaderBytes) return fail(r, at, "cpio: truncated header (no trailer?)");
        if (!is_magic(b + at, r->size - at)) return fail(r, at, "cpio: bad magic (not newc)");
        const bool crc = b[at + 5] == '2';
        uint32_t f[kFieldCount];
        for (int i = 0; i < kFieldCount; ++i) {
            if (!parse_hex8(b + at + 6 + 8 * i, &f[i])) {
                return fail(r, at, "cpio: a header field is not 8 hex digits");
            }
        }
        const size_t namesize = f[kNamesize];
        const size_t name_at = at + kHeaderBytes;
        if (namesize == 0) return fail(r, at, "cpio: c_namesize is 0");
        if (namesize - 1 > kMaxName) return fail(r, at, "cpio: a name over 4095 bytes");
        if (namesize > r->size - name_at) return fail(r, at, "cpio: the name runs past the end");
        const char* raw = reinterpret_cast<const char*>(b + name_at);
        if (raw[namesize - 1] != '\0') return fail(r, at, "cpio: the name is not NUL-terminated");
        if (kstrnlen(raw, namesize - 1) != namesize - 1) {
            return fail(r, at, "cpio: a NUL byte inside the name");
        }
        const size_t data_at = align4(name_at + namesize);
        if (!zeros(b, name_at + namesize, data_at < r->size ? data_at : r->size)) {
            return fail(r, at, "cpio: non-zero padding after the name");
        }
        const size_t filesize = f[kFilesize];
        if (filesize != 0 && (data_at > r->size || filesize > r->size - data_at)) {
            return fail(r, at, "cpio: the data runs past the end");
        }
        const size_t next = align4(data_at + filesize);
        if (filesize != 0 && !zeros(b, data_at + filesize, next < r->size ? next : r->size)) {
            return fail(r, at, "cpio: non-zero padding after the data");
        }
        if (namesize == 11 && memcmp(raw, "TRAILER!!!", 10) == 0) {
            if (filesize != 0) return fail(r, at, "cpio: the trailer carries data");
            r->pos = next < r->size ? next : r->size;
            r->after_trailer = true;
            continue;
        }
        if (next > r->size) return fail(r, at, "cpio: truncated entry (no trailer)");
        const uint32_t mode = f[kMode];
        const uint32_t type = mode & smode::IFMT;
        if (mode > kMaxMode) return fail(r, at, "cpio: c_mode has bits above 0177777");
        if (!known_type(type)) return fail(r, at, "cpio: unsupported file type");
        size_t len = namesize - 1;
        const char* name = normalise(raw, &len);
        if (name == nullptr) return fail(r, at, "cpio: an empty, \".\" or \"..\" name component");
        if (name[0] == '.' && len == 1 && type != smode::IFDIR) {
            return fail(r, at, "cpio: the root \".\" is not a directory");
        }
        const uint8_t* data = filesize != 0 ? b + data_at : nullptr;
        const int err = check_data(r, at, type, crc, f[kCheck], data, filesize);
        if (err < 0) return err;
        *out = {name,          len,           f[kIno],   mode,         f[kUid],
                f[kGid],       f[kNlink],     f[kMtime], f[kDevMajor], f[kDevMinor],
                f[kRdevMajor], f[kRdevMinor], data,      filesize,     at};
        r->pos = next;
        return 1;
    }
}

}  // namespace fs
