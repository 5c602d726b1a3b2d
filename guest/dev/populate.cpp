// The directories and device nodes every program expects, created when the initramfs does not
// bring them (an existing node of the same name is kept).
#include "abi/errno.hpp"
#include "abi/linux_types.hpp"
#include "dev/block.hpp"
#include "dev/devices.hpp"
#include "fs/mount.hpp"
#include "fs/vfs.hpp"
#include "kernel/string.hpp"

namespace dev {

int populate_dev(bool make_dirs) {
    using namespace linux_abi::smode;
    fs::Inode* root = fs::vfs_root();
    struct Dir {
        const char* path;
        uint32_t mode;
    };
    static constexpr Dir kDirs[] = {{"/dev", 0755}, {"/proc", 0555}, {"/tmp", 01777}};
    for (const Dir& d : kDirs) {
        if (!make_dirs) break;
        const int r = fs::vfs_mkdir(root, d.path, d.mode);
        if (r < 0 && r != -linux_errno::EEXIST) return r;
    }
    struct Node {
        const char* path;
        uint32_t mode, major, minor;
    };
    static constexpr Node kNodes[] = {
        {"/dev/console", IFCHR | 0600, 5, 1}, {"/dev/tty", IFCHR | 0666, 5, 0},
        {"/dev/tty0", IFCHR | 0620, 4, 0},    {"/dev/null", IFCHR | 0666, 1, 3},
        {"/dev/zero", IFCHR | 0666, 1, 5},    {"/dev/full", IFCHR | 0666, 1, 7},
        {"/dev/random", IFCHR | 0666, 1, 8},  {"/dev/urandom", IFCHR | 0666, 1, 9},
    };
    for (const Node& n : kNodes) {
        const int r = fs::vfs_mknod(root, n.path, n.mode, n.major, n.minor);
        if (r < 0 && r != -linux_errno::EEXIST) return r;
    }
    for (int i = 0; blk::BlockDevice* bd = blk::device_at(i); ++i) {
        char path[16] = "/dev/";
        memcpy(path + 5, bd->name, sizeof bd->name);
        const int r = fs::vfs_mknod(root, path, IFBLK | 0660, bd->major, bd->minor);
        if (r < 0 && r != -linux_errno::EEXIST) return r;
    }
    return 0;
}

}  // namespace dev
