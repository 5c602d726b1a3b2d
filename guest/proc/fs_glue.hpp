// What processes need from the file system: file-backed mappings over inodes, and the exec
// steps that touch descriptors and the program file.
#pragma once

#include "mm/aspace.hpp"

struct Process;
namespace fs {
struct Inode;
}

namespace proc {

// mm::FileBacking for fs::Inode (private file mappings copy pages from the file).
extern const mm::FileBacking kInodeBacking;

void exec_close_on_exec(Process* p);
void exec_set_exe(Process* p, fs::Inode* inode);

}  // namespace proc
